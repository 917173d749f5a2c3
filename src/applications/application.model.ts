export type AppMode = 'sandbox' | 'production';

/** One customer application (tenant). The secret key is stored only as a keyed hash and never loaded here. */
export interface Application {
  id: string;
  clientId: string;
  name: string;
  mode: AppMode;
  allowedOrigins: string[];
  rpId: string;
  rpName: string;
  recoveryUrl: string;
  mailFrom: string;
  locale: string;
  otpLength: number;
  isDemo: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export function toPublicApplication(app: Application) {
  return {
    appId: app.id,
    clientId: app.clientId,
    name: app.name,
    mode: app.mode,
    allowedOrigins: app.allowedOrigins,
    rpId: app.rpId,
    rpName: app.rpName,
    recoveryUrl: app.recoveryUrl,
    mailFrom: app.mailFrom,
    locale: app.locale,
    otpLength: app.otpLength,
    createdAt: app.createdAt,
    updatedAt: app.updatedAt,
  };
}
