import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { InsertPart } from '../database/statement';
import { FailureBudgetRepository } from './failure-budget.repository';

/**
 * The subject an existing account's failure budget is kept under, and its OTP challenges are
 * superseded by (the start's statement spells it in SQL).
 */
export const userSubject = (userId: string) => `user:${userId}`;

/**
 * The per-user daily failure budget (`OTP_MAX_FAILURES_PER_DAY`): wrong email codes and wrong
 * second-factor answers count against it, across challenges; once spent, even a right answer is
 * refused until the 24 h window ends or the app backend unlocks the user. Kept in PostgreSQL, so
 * that a start reads it in the statement that writes its challenge, and a Redis restarted empty
 * cannot hand every user a fresh budget.
 */
@Injectable()
export class FailureBudgetService {
  constructor(
    private readonly repo: FailureBudgetRepository,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  get max(): number {
    return this.config.otpMaxFailuresPerDay;
  }

  /** Counts a wrong answer (with its audit event, in one statement); true once the budget is exceeded. */
  async recordFailure(appId: string, subject: string, audit: InsertPart): Promise<boolean> {
    return (await this.repo.record(appId, subject, audit)) > this.max;
  }

  exhausted(appId: string, subject: string): Promise<boolean> {
    return this.repo.spent(appId, subject, this.max);
  }

  /** Gives the subject its whole daily budget back (an app backend unlocking the user). */
  async clear(appId: string, subject: string): Promise<void> {
    await this.repo.clear(appId, subject);
  }
}
