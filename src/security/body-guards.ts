import type restify from 'restify';
import { z } from 'zod';

/**
 * Checks on request bodies that no single route's schema can make: nesting depth (a body of
 * 100,000 nested arrays parses fine but overflows the stack of every recursive JSON.stringify,
 * structuredClone or deep-equal that later touches it) — and the minimal shape of a Bot Framework
 * activity, so a malformed POST /api/messages is a 400 instead of a crash inside the adapter.
 */

/** Deepest nesting of arrays/objects in `value`, counted iteratively (stops counting past `limit`). */
export function jsonDepth(value: unknown, limit = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const stack: { node: unknown; depth: number }[] = [{ node: value, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    const here = depth + 1;
    if (here > deepest) deepest = here;
    if (deepest > limit) return deepest;
    for (const child of Object.values(node)) {
      if (child !== null && typeof child === 'object') stack.push({ node: child, depth: here });
    }
  }
  return deepest;
}

/** Most nesting any route accepts; real activities and tickets stay far below (an Adaptive Card ≈ 10). */
export const MAX_JSON_DEPTH = 32;

/** restify `use` handler (after the body parser): 400 for bodies nested deeper than MAX_JSON_DEPTH. */
export function rejectDeepBodies(maxDepth = MAX_JSON_DEPTH) {
  return (req: restify.Request, res: restify.Response, next: restify.Next) => {
    if (req.body !== undefined && jsonDepth(req.body, maxDepth) > maxDepth) {
      res.json(400, { error: { code: 'invalid_request', message: `The JSON body is nested deeper than ${maxDepth} levels.`, field: '(body)' } });
      return next(false);
    }
    return next();
  };
}

const id = z.string().min(1).max(512);

/**
 * What tierdesk needs of an activity posted to /api/messages before handing it to the adapter:
 * a type, the channel and conversation it belongs to, who sent it, and where replies go. Other
 * fields pass through untouched (channels add many); their own consumers validate them.
 */
export const botActivitySchema = z.looseObject({
  type: z.string().min(1).max(100),
  channelId: id,
  serviceUrl: z.string().min(1).max(2048),
  conversation: z.looseObject({ id }),
  from: z.looseObject({ id, name: z.string().max(500).optional() }),
  recipient: z.looseObject({ id }).optional(),
  id: z.string().max(512).optional(),
  text: z.string().optional(),
  locale: z.string().max(35).optional(),
  value: z.unknown().optional(),
});
export type BotActivity = z.infer<typeof botActivitySchema>;
