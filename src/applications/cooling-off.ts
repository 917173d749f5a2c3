import { registerDecorator, ValidationOptions } from 'class-validator';

/** The longest support-reset cooling-off period (SPEC §9.1): 72 hours. */
export const COOLING_OFF_MAX_SECONDS = 72 * 3600;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const DURATION = /^(\d{1,6})(s|m|h|d)$/;

/** Seconds of a cooling-off period such as `0s`, `90m`, `24h`; null when not a duration within 0s–72h. */
export function parseCoolingOff(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = DURATION.exec(value.trim());
  if (!m) return null;
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2]];
  return seconds <= COOLING_OFF_MAX_SECONDS ? seconds : null;
}

/** Seconds as the shortest exact duration string: 86400 → `24h`, 90 → `90s`, 0 → `0s`. */
export function formatCoolingOff(seconds: number): string {
  if (seconds > 0 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds > 0 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** A duration string from `0s` to `72h` (units s, m, h, d). */
export function IsCoolingOff(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isCoolingOff',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `$property must be a duration from 0s to 72h, such as 0s, 30m or 24h`, ...options },
      validator: { validate: (v: unknown) => parseCoolingOff(v) !== null },
    });
}
