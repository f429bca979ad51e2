// A ready-to-run shell command that sends a correctly signed test event to a source, per scheme.
// Pure string building (no DOM), so it can be read on its own; bash + curl + openssl (coreutils).

/** Single-quotes a value for the shell. */
export const sq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

const hmac = (alg, signedVar, encoding, key = '-hmac "$SECRET"') =>
  encoding === 'base64'
    ? `$(printf '%s' "${signedVar}" | openssl dgst -${alg} ${key} -binary | base64 -w0)`
    : `$(printf '%s' "${signedVar}" | openssl dgst -${alg} ${key} -r | cut -d' ' -f1)`;

/** A template like `v0:{timestamp}:{body}` as a shell word using $TS and $BODY. */
function templateWord(template) {
  return template
    .split(/(\{timestamp\}|\{body\})/)
    .filter((p) => p !== '')
    .map((p) => (p === '{timestamp}' ? '"$TS"' : p === '{body}' ? '"$BODY"' : sq(p)))
    .join('');
}

/**
 * @param source the source as the API returns it (url, verification)
 * @param secret the secret (null for `none`), or a placeholder
 */
export function testCommand(source, secret) {
  const v = source.verification;
  const lines = ['ID="test-$(date +%s%N)"', 'TS="$(date +%s)"'];
  lines.push(
    `BODY='{"id":"'"$ID"'","event_id":"'"$ID"'","type":"gateway.test","message":"Hello from the test command"}'`,
  );
  if (secret !== null) lines.push(`SECRET=${sq(secret)}`);
  const headers = ['-H "Content-Type: application/json"'];
  const extra = [];
  switch (v.scheme) {
    case 'github':
      headers.push(`-H "X-Hub-Signature-256: sha256=${hmac('sha256', '$BODY', 'hex')}"`);
      headers.push('-H "X-GitHub-Event: ping"', '-H "X-GitHub-Delivery: $ID"');
      break;
    case 'stripe':
      headers.push(`-H "Stripe-Signature: t=$TS,v1=${hmac('sha256', '$TS.$BODY', 'hex')}"`);
      break;
    case 'slack':
      headers.push('-H "X-Slack-Request-Timestamp: $TS"');
      headers.push(`-H "X-Slack-Signature: v0=${hmac('sha256', 'v0:$TS:$BODY', 'hex')}"`);
      break;
    case 'shopify':
      headers.push(`-H "X-Shopify-Hmac-Sha256: ${hmac('sha256', '$BODY', 'base64')}"`);
      headers.push('-H "X-Shopify-Event-Id: $ID"', '-H "X-Shopify-Topic: gateway/test"');
      break;
    case 'standard-webhooks':
      lines.push(`KEY="$(printf '%s' "\${SECRET#whsec_}" | base64 -d | od -An -v -tx1 | tr -d ' \\n')"`);
      headers.push('-H "webhook-id: $ID"', '-H "webhook-timestamp: $TS"');
      headers.push(
        `-H "webhook-signature: v1,${hmac('sha256', '$ID.$TS.$BODY', 'base64', '-mac HMAC -macopt hexkey:"$KEY"')}"`,
      );
      break;
    case 'clickup':
      headers.push(`-H "X-Signature: ${hmac('sha256', '$BODY', 'hex')}"`);
      break;
    case 'hmac': {
      const signed = v.signed ?? { kind: 'body' };
      if (signed.kind === 'timestamp.body') {
        lines.push(`SIGNED=${templateWord(signed.template ?? '{timestamp}.{body}')}`);
        headers.push(`-H ${sq(`${signed.timestampHeader}: `)}"$TS"`);
      }
      const word = signed.kind === 'timestamp.body' ? '$SIGNED' : '$BODY';
      headers.push(
        `-H ${sq(`${v.header}: ${v.prefix ?? ''}`)}"${hmac(v.algorithm ?? 'sha256', word, v.encoding ?? 'hex')}"`,
      );
      break;
    }
    case 'api-key':
      headers.push(`-H ${sq(`${v.header ?? 'X-Api-Key'}: `)}"$SECRET"`);
      break;
    case 'basic-auth':
      extra.push(`-u ${sq(`${v.username}:`)}"$SECRET"`);
      break;
    default:
      break;
  }
  const curl = ['curl -sS -X POST', ...headers, ...extra, '--data-binary "$BODY"', sq(source.url)];
  return `${lines.join('\n')}\n${curl.join(' \\\n  ')}\n`;
}
