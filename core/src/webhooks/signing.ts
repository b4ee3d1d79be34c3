import { createHmac } from 'node:crypto';

/** The version prefix of a signature, as MLflow writes it. */
export const SIGNATURE_VERSION = 'v1';

/** The headers of a delivery (MLflow's names). */
export const WEBHOOK_HEADERS = {
  signature: 'X-MLflow-Signature',
  timestamp: 'X-MLflow-Timestamp',
  deliveryId: 'X-MLflow-Delivery-Id',
} as const;

/**
 * The `X-MLflow-Signature` of a delivery, as MLflow computes it: `v1,` and the base64 of the
 * HMAC-SHA256, keyed with the webhook's secret, of `<delivery id>.<unix seconds>.<body>` (the
 * body exactly as sent). A receiver recomputes it from the three headers' values and the raw body.
 */
export function signDelivery(
  secret: string,
  deliveryId: string,
  timestamp: string,
  body: string,
): string {
  const digest = createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(`${deliveryId}.${timestamp}.${body}`, 'utf8')
    .digest('base64');
  return `${SIGNATURE_VERSION},${digest}`;
}
