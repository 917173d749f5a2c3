import { createHash } from 'node:crypto';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { ApiError } from '../common/api-error';
import { bearer, MellonRequest } from '../common/request';
import { safeEqual } from '../config/secrets';
import { ApplicationsService } from './applications.service';
import { Application } from './application.model';

export function originAllowed(app: Application, origin: string | undefined): boolean {
  if (app.mode === 'sandbox') return true;
  return typeof origin === 'string' && app.allowedOrigins.includes(origin);
}

/** Browser/SDK callers: `X-Client-Id`, and in production an allowed `Origin` (a missing one is refused). */
@Injectable()
export class ClientGuard implements CanActivate {
  constructor(private readonly apps: ApplicationsService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<MellonRequest>();
    const clientId = req.headers['x-client-id'];
    const app = typeof clientId === 'string' && clientId.length < 200 ? await this.apps.byClientId(clientId) : null;
    if (!app) throw new ApiError('invalid_client', 'Unknown or missing X-Client-Id.');
    const origin = req.headers.origin;
    if (!originAllowed(app, typeof origin === 'string' ? origin : undefined)) {
      throw new ApiError('origin_not_allowed', 'This origin is not in the allowed origins of the application.');
    }
    req.mellonApp = app;
    return true;
  }
}

/** App backends: `Authorization: Bearer sk_…`. */
@Injectable()
export class SecretKeyGuard implements CanActivate {
  constructor(private readonly apps: ApplicationsService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<MellonRequest>();
    const key = bearer(req);
    const app = key?.startsWith('sk_') && key.length < 200 ? await this.apps.bySecretKey(key) : null;
    if (!app) throw new ApiError('invalid_api_key', 'Unknown or missing secret key.');
    req.mellonApp = app;
    return true;
  }
}

/** Operators: `Authorization: Bearer $ADMIN_TOKEN`, compared in constant time. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(@Inject(CONFIG) private readonly config: AppConfig) {}

  canActivate(ctx: ExecutionContext): boolean {
    const token = bearer(ctx.switchToHttp().getRequest<MellonRequest>());
    const digest = (s: string) => createHash('sha256').update(s).digest();
    if (!token || !safeEqual(digest(token), digest(this.config.adminToken))) {
      throw new ApiError('admin_unauthorized', 'Missing or wrong admin token.');
    }
    return true;
  }
}
