import { isEmail, registerDecorator, ValidationOptions } from 'class-validator';
import addressparser from 'nodemailer/lib/addressparser';

export interface Mailbox {
  name: string;
  address: string;
}

const MAX_NAME = 100;

/**
 * One mailbox, `no-reply@myapp.com` or `My App <no-reply@myapp.com>`, read by nodemailer's own
 * address parser: the one that reads the From header when the mail is sent, so what passes here
 * is what goes out. Null for a list, a group, a missing or invalid address, or a control character.
 */
export function parseMailbox(value: unknown): Mailbox | null {
  if (typeof value !== 'string' || value.length > 320 || /\p{Cc}/u.test(value)) return null;
  const parsed = addressparser(value);
  if (parsed.length !== 1 || 'group' in parsed[0]) return null;
  const { name, address } = parsed[0];
  if (!address || !isEmail(address) || name.length > MAX_NAME) return null;
  return { name, address };
}

export function IsMailbox(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isMailbox',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: `$property must be one address, like no-reply@myapp.com or "My App <no-reply@myapp.com>" (a name of at most ${MAX_NAME} characters)`,
        ...options,
      },
      validator: { validate: (value: unknown) => parseMailbox(value) !== null },
    });
}
