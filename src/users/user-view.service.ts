import { Injectable } from '@nestjs/common';
import { toPublicUser, User } from './user.model';

/**
 * The user as the app backend sees it. Other modules (passkeys) add their part through
 * `contributors`, so the users module does not depend on them.
 */
export type UserViewContributor = (user: User) => Promise<Record<string, unknown>>;

@Injectable()
export class UserViewService {
  private readonly contributors: UserViewContributor[] = [];

  register(c: UserViewContributor): void {
    this.contributors.push(c);
  }

  async render(user: User): Promise<Record<string, unknown>> {
    const parts = await Promise.all(this.contributors.map((c) => c(user)));
    return Object.assign({ ...toPublicUser(user), passkeys: [] }, ...parts);
  }
}
