/**
 * Lanes: the token a workspace's calls go through (docs/configuration.md, "Several organisations").
 * Calls of one lane run one at a time, in order; lanes run side by side, so a run under several tokens
 * takes about as long as its slowest token rather than the sum of all.
 */
export type LaneOf = (workspaceId: number) => string;

export const ONE_LANE: LaneOf = () => '';

/**
 * Runs `step` over `items`, one at a time per lane and lanes concurrently. A step answering false
 * stops its lane (a stop signal): the other lanes see the same signal at their next step.
 */
export async function inLanes<T>(
  items: readonly T[],
  laneOf: (item: T) => string,
  step: (item: T, index: number) => Promise<boolean>,
): Promise<void> {
  const lanes = new Map<string, Array<{ item: T; index: number }>>();
  items.forEach((item, index) => {
    const key = laneOf(item);
    const lane = lanes.get(key);
    if (lane) lane.push({ item, index });
    else lanes.set(key, [{ item, index }]);
  });
  await Promise.all(
    [...lanes.values()].map(async (lane) => {
      for (const { item, index } of lane) if (!(await step(item, index))) return;
    }),
  );
}
