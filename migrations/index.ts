import { InitialSchema1764380000000 } from './1764380000000-InitialSchema';
import { Passkeys1764390000000 } from './1764390000000-Passkeys';

/** Every migration, in order; imported as classes so the same list works from ts-jest and from dist/. */
export const MIGRATIONS = [InitialSchema1764380000000, Passkeys1764390000000];
