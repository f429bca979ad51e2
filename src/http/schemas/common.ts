import { z } from 'zod';

export const ErrorEnvelope = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      requestId: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'ErrorEnvelope' });

/** Standard error responses for documentation; each route lists the ones it can return. */
export const errors = <const C extends number>(...codes: C[]) =>
  Object.fromEntries(codes.map((c) => [c, ErrorEnvelope])) as Record<C, typeof ErrorEnvelope>;
