export interface User {
  id: string;
  appId: string;
  externalUserId: string;
  email: string;
  emailCanonical: string;
  locale: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export function toPublicUser(u: User) {
  return { externalUserId: u.externalUserId, email: u.email, locale: u.locale, createdAt: u.createdAt, updatedAt: u.updatedAt };
}
