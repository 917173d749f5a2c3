export type AppMode = 'sandbox' | 'production';
export const RECOVERY_POLICIES = ['email', 'email+second_factor'] as const;
export type RecoveryPolicy = (typeof RECOVERY_POLICIES)[number];

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
  /** Default wait between a support reset and its link working (SPEC §9.1), 0–259200. */
  supportResetCoolingOffSeconds: number;
  /** SPEC §9.4: whether a user with a second factor must also present it to recover. */
  recoveryPolicy: RecoveryPolicy;
  isDemo: boolean;
  createdAt: Date;
  updatedAt: Date;
}

import { formatCoolingOff } from './cooling-off';

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
    supportResetCoolingOff: formatCoolingOff(app.supportResetCoolingOffSeconds),
    recoveryPolicy: app.recoveryPolicy,
    createdAt: app.createdAt,
    updatedAt: app.updatedAt,
  };
}
