import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { SCHEMES } from './security.decorators';

const DESCRIPTION = [
  'Email one-time-code fallback and account recovery for a passkey platform.',
  '',
  'Errors are `{code, message, ...details}` (the `ErrorBody` schema; SPEC §2). A `429` or `503` carries `Retry-After` where the service knows when to try again.',
  'Browser calls send `X-Client-Id` (and, for production applications, an allowed `Origin`); end-user routes add `Authorization: Bearer <token>` from a verify step;',
  'app backends send `Authorization: Bearer sk_…`; operators `Authorization: Bearer $ADMIN_TOKEN`.',
  '',
  'Typed clients: the browser ES module at `/sdk/mellon-recovery.js` and the Node client `mellon-recovery/node` (docs/clients.md).',
].join('\n');

export function openApiConfig(publicUrl: string): Omit<OpenAPIObject, 'paths'> {
  return new DocumentBuilder()
    .setTitle('Mellon Recovery')
    .setDescription(DESCRIPTION)
    .setVersion('1')
    .setLicense('Proprietary', `${publicUrl}/docs`)
    .addServer(publicUrl)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Client-Id', description: "The application's client id (`cli_…`)" }, SCHEMES.clientId)
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'An end-user token (session, recovery, recovery_pending or enrollment) from a verify step, redeem or enrollment' },
      SCHEMES.endUserToken,
    )
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: "The application's secret key (`sk_…`); app backends only, never in a browser" }, SCHEMES.secretKey)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: "The operator's `ADMIN_TOKEN`" }, SCHEMES.adminToken)
    .build();
}

/** The OpenAPI document of the routes `app` serves; operations without a scheme are marked public (`security: []`). */
export function createOpenApiDocument(app: INestApplication, publicUrl: string): OpenAPIObject {
  const doc = SwaggerModule.createDocument(app, openApiConfig(publicUrl), { operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}` });
  for (const item of Object.values(doc.paths)) {
    for (const op of [item.get, item.put, item.post, item.delete, item.patch]) if (op && !op.security) op.security = [];
  }
  const errorBody = doc.components?.schemas?.ErrorBody;
  if (errorBody && !('$ref' in errorBody)) errorBody.additionalProperties = true;
  return doc;
}
