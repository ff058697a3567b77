import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** One outside vendor an L4 ticket can be passed to (knowledge/vendors.yaml or VENDORS_FILE). */
export const vendorSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes'),
  name: z.string().trim().min(1).max(200),
  email: z.email(),
  /** How long the vendor usually takes to answer; the ticket shows "expected by" from it. */
  responseHours: z.number().positive().max(24 * 90),
});
export type Vendor = z.infer<typeof vendorSchema>;

const vendorsFileSchema = z.strictObject({ vendors: z.array(vendorSchema) }).superRefine((file, ctx) => {
  const seen = new Set<string>();
  file.vendors.forEach((vendor, index) => {
    if (seen.has(vendor.id)) ctx.addIssue({ code: 'custom', path: ['vendors', index, 'id'], message: `duplicate vendor id "${vendor.id}"` });
    seen.add(vendor.id);
  });
});

/** A vendors file that does not parse or validate; the message names the file and the field. */
export class VendorsFileError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`Invalid vendors file ${file}: ${detail}`);
    this.name = 'VendorsFileError';
  }
}

/**
 * Reads and validates the vendors file once at start. A missing file means "no vendors" (the
 * vendor step then refuses with a clear error); a broken one stops the start with file and field.
 */
export function loadVendors(file: string): Vendor[] {
  if (!existsSync(file)) return [];
  let data: unknown;
  try {
    data = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new VendorsFileError(file, error instanceof Error ? error.message : String(error));
  }
  const result = vendorsFileSchema.safeParse(data ?? { vendors: [] });
  if (!result.success) {
    throw new VendorsFileError(file, result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  }
  return result.data.vendors;
}
