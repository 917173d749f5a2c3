import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { ApiError } from './api-error';

function flatten(errors: ValidationError[], prefix = ''): { field: string; problem: string }[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((problem) => ({ field, problem }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** A hand-written check of a hot DTO: the DTO instance when the body is certainly valid, else null. */
export type FastCheck = (body: Record<string, unknown>) => object | null;

const fastChecks = new Map<unknown, FastCheck>();

/**
 * Registers a cheaper check for a hot route's DTO. It must accept only bodies class-validator
 * accepts (same whitelist, same validator functions) and build the same instance; anything it
 * does not accept goes through class-validator, so error bodies are class-validator's.
 */
export function registerFastCheck(dto: abstract new () => object, check: FastCheck): void {
  fastChecks.set(dto, check);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/** True when every key of `body` is in `allowed` (class-validator's whitelist with forbidNonWhitelisted). */
export function onlyKeys(body: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const k of Object.keys(body)) if (!allowed.has(k)) return false;
  return true;
}

class FastPathValidationPipe extends ValidationPipe {
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const check = metadata.type === 'body' ? fastChecks.get(metadata.metatype) : undefined;
    const dto = check && isPlainObject(value) ? check(value) : null;
    return dto ?? super.transform(value, metadata);
  }
}

/** class-validator for every DTO; failures become `400 invalid_request` with `details: [{field, problem}]`. */
export function createValidationPipe(): ValidationPipe {
  return new FastPathValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => new ApiError('invalid_request', 'The request is not valid.', { details: flatten(errors) }),
  });
}
