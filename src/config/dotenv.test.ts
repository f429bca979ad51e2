import { describe, expect, it } from 'vitest';
import { EnvFileError, applyEnvFile, parseEnvFile } from './dotenv.js';

describe('parseEnvFile', () => {
  it('reads plain, exported, quoted and commented settings', () => {
    const text = [
      '# a comment',
      '',
      'PORT=8081',
      'export HOST=0.0.0.0',
      'ADDON_NAME="My Gateway"   # trailing comment',
      "DATA_DIR='./my data'",
      'LOG_LEVEL=debug # comment',
      'CLOCKIFY_PUBLIC_KEY="-----BEGIN PUBLIC KEY-----\\nabc\\n-----END PUBLIC KEY-----"',
      'EMPTY=',
      'HASH=a#b',
    ].join('\n');
    expect(parseEnvFile(text)).toEqual({
      PORT: '8081',
      HOST: '0.0.0.0',
      ADDON_NAME: 'My Gateway',
      DATA_DIR: './my data',
      LOG_LEVEL: 'debug',
      CLOCKIFY_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----',
      EMPTY: '',
      HASH: 'a#b',
    });
  });

  it.each([
    ['PORT 8080', /line 2: expected NAME=value/],
    ['ADDON_NAME="My Gateway', /line 2: the value of ADDON_NAME opens a " quote that is not closed/],
    ["ADDON_NAME='x", /line 2: .* ' quote that is not closed/],
    ['ADDON_NAME="x" y', /line 2: unexpected text after the closing " quote of ADDON_NAME/],
    ['ADDON_NAME=My Gateway"', /line 2: the value of ADDON_NAME ends with a quote it never opened/],
    ['1PORT=1', /line 2: "1PORT" is not a variable name/],
    ['=1', /line 2: "" is not a variable name/],
  ])('refuses %j, naming the line', (bad, message) => {
    expect(() => parseEnvFile(`PORT=1\n${bad}\n`)).toThrow(EnvFileError);
    expect(() => parseEnvFile(`PORT=1\n${bad}\n`)).toThrow(message);
  });

  it('leaves variables the environment already sets alone', () => {
    const env: NodeJS.ProcessEnv = { PORT: '9000' };
    applyEnvFile({ PORT: '8080', HOST: 'h' }, env);
    expect(env).toEqual({ PORT: '9000', HOST: 'h' });
  });
});
