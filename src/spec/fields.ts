// Field shapes more than one part of the schema uses.
import { z } from 'zod';

export const port = z
  .number()
  .int({ error: 'must be a whole number' })
  .min(1024, { error: 'must be 1024 or higher (lower ports need root and clash with system services)' })
  .max(65535, { error: 'must be 65535 or lower' });

export const seconds = (min: number, max: number) =>
  z.number().int({ error: 'must be a whole number of seconds' }).min(min).max(max);
