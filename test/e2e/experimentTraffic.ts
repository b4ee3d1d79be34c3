/**
 * Traffic with feedback for the experiment report's UI tests in both IDEs: requests to a running
 * deployment, each from its own user key, and their rewards posted to `/v2/sextant/feedback` as
 * a person's application would.
 */

/**
 * Serves `n` requests with `body`, each from its own user (`x-user-id`), and posts a reward for
 * each: the challenger converts 3 in 5, the champion 1 in 5 (by request order, so the result is
 * fixed). Answers how many requests each variant served.
 */
export async function trafficWithFeedback(
  url: string,
  body: string,
  n: number,
): Promise<Record<string, number>> {
  const served: { requestId: string; variant: string }[] = [];
  for (let start = 0; start < n; start += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, n - start) }, async (_, i) => {
        const answer = await fetch(`${url}/invocations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-user-id': `user-${start + i}` },
          body,
        });
        if (answer.status !== 200) throw new Error(`HTTP ${answer.status}: ${await answer.text()}`);
        return {
          requestId: answer.headers.get('x-request-id')!,
          variant: answer.headers.get('x-sextant-variant')!,
        };
      }),
    );
    served.push(...batch);
  }
  const seen: Record<string, number> = {};
  const feedback = served.map((s) => {
    const k = seen[s.variant] ?? 0;
    seen[s.variant] = k + 1;
    const wins = s.variant === 'challenger' ? k % 5 < 3 : k % 5 < 1;
    return { request_id: s.requestId, reward: wins ? 1 : 0 };
  });
  const posted = await fetch(`${url}/v2/sextant/feedback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(feedback),
  });
  const answer = (await posted.json()) as { recorded?: number };
  if (posted.status !== 200 || answer.recorded !== n) {
    throw new Error(`feedback: HTTP ${posted.status} ${JSON.stringify(answer)}`);
  }
  console.log(`served ${n} requests (${JSON.stringify(seen)}) and posted their rewards`);
  return seen;
}
