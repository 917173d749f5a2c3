import type { FastifyInstance } from 'fastify';

/** Request bodies of the template routes may exceed the service's 16 KiB limit: an HTML mail is often larger. */
export const TEMPLATE_BODY_LIMIT = 128 * 1024;

const TEMPLATE_ROUTE = /^\/v1\/admin\/applications\/:appId\/templates\/:template\/:locale(?:\/preview)?$/;

/** Raises the body limit of PUT and preview of a template; must be installed before the routes are registered. */
export function installTemplateBodyLimit(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route) => {
    if (TEMPLATE_ROUTE.test(route.url)) route.bodyLimit = TEMPLATE_BODY_LIMIT;
  });
}
