import { applyDecorators } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';

/** Names of the security schemes in the document (see openapi.ts). */
export const SCHEMES = { clientId: 'clientId', endUserToken: 'endUserToken', secretKey: 'secretKey', adminToken: 'adminToken' } as const;

/** Browser / SDK: `X-Client-Id` (and, in production mode, an allowed Origin). */
export const ApiClientAuth = () => applyDecorators(ApiSecurity(SCHEMES.clientId));
/** End-user token routes: `X-Client-Id` AND `Authorization: Bearer <token>`. */
export const ApiEndUserAuth = () => applyDecorators(ApiSecurity({ [SCHEMES.clientId]: [], [SCHEMES.endUserToken]: [] }));
/** App backend: `Authorization: Bearer sk_…`. */
export const ApiSecretKeyAuth = () => applyDecorators(ApiSecurity(SCHEMES.secretKey));
/** Operator: `Authorization: Bearer $ADMIN_TOKEN`. */
export const ApiAdminAuth = () => applyDecorators(ApiSecurity(SCHEMES.adminToken));
