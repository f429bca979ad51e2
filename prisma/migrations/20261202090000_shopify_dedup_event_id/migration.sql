-- Data only (issue #10, item 7). Shopify sources still on the old default dedup rule, the
-- X-Shopify-Webhook-Id header (which changes on every delivery), move to the new default,
-- X-Shopify-Event-Id (which the duplicates of one event share). Other rules are left as they are.
UPDATE "webhook_source"
SET "dedup_rule" = '{"kind": "header", "header": "X-Shopify-Event-Id"}'::jsonb, "updated_at" = now()
WHERE "verification"->>'scheme' = 'shopify'
  AND "dedup_rule"->>'kind' = 'header'
  AND lower("dedup_rule"->>'header') = 'x-shopify-webhook-id'
  AND NOT ("dedup_rule" ? 'alternatives');
