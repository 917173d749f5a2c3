import { InitialSchema1764380000000 } from './1764380000000-InitialSchema';
import { Passkeys1764390000000 } from './1764390000000-Passkeys';
import { TrustModel1764400000000 } from './1764400000000-TrustModel';
import { Operations1764410000000 } from './1764410000000-Operations';
import { SecondFactor1764420000000 } from './1764420000000-SecondFactor';
import { Webhooks1764430000000 } from './1764430000000-Webhooks';
import { MailTemplateOverrides1764440000000 } from './1764440000000-MailTemplateOverrides';
import { ReportableSecondFactors1764450000000 } from './1764450000000-ReportableSecondFactors';
import { FailureBudgetInPostgres1764460000000 } from './1764460000000-FailureBudgetInPostgres';

/** Every migration, in order; imported as classes so the same list works from ts-jest and from dist/. */
export const MIGRATIONS = [
  InitialSchema1764380000000,
  Passkeys1764390000000,
  TrustModel1764400000000,
  Operations1764410000000,
  SecondFactor1764420000000,
  Webhooks1764430000000,
  MailTemplateOverrides1764440000000,
  ReportableSecondFactors1764450000000,
  FailureBudgetInPostgres1764460000000,
];
