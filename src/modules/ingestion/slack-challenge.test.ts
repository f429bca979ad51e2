import { describe, expect, it } from 'vitest';
import { slackChallenge } from './slack-challenge.js';

describe('slackChallenge', () => {
  const handshake = {
    token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl',
    challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
    type: 'url_verification',
  };

  it('returns the challenge of a url_verification for a Slack source', () => {
    expect(slackChallenge('slack', handshake)).toBe(handshake.challenge);
  });

  it('ignores it for any other scheme', () => {
    expect(slackChallenge('hmac', handshake)).toBeNull();
    expect(slackChallenge('none', handshake)).toBeNull();
  });

  it('ignores ordinary events and odd shapes', () => {
    expect(slackChallenge('slack', { type: 'event_callback', challenge: 'x' })).toBeNull();
    expect(slackChallenge('slack', { type: 'url_verification' })).toBeNull();
    expect(slackChallenge('slack', { type: 'url_verification', challenge: 42 })).toBeNull();
    expect(slackChallenge('slack', { type: 'url_verification', challenge: '' })).toBeNull();
    expect(slackChallenge('slack', { type: 'url_verification', challenge: 'x'.repeat(2000) })).toBeNull();
    expect(slackChallenge('slack', [handshake])).toBeNull();
    expect(slackChallenge('slack', null)).toBeNull();
    expect(slackChallenge('slack', 'url_verification')).toBeNull();
  });
});
