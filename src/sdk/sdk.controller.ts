import { Controller, Get, Headers, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import { ApiError } from '../common/api-error';
import { SdkBundleSource } from './sdk-bundle';

const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The stable name may change with any deploy: caches revalidate it after five minutes (ETag → 304). */
const STABLE = 'public, max-age=300, must-revalidate';

/**
 * The browser client as a static, public ES module: `/sdk/mellon-recovery.js` (short-lived,
 * ETag) and `/sdk/mellon-recovery.<hash>.js` (immutable, cached for a year). Any origin may load it.
 */
@ApiExcludeController()
@SkipThrottle()
@Controller('sdk')
export class SdkController {
  constructor(private readonly source: SdkBundleSource) {}

  @Get(':file')
  file(@Param('file') file: string, @Headers('if-none-match') ifNoneMatch: string | undefined, @Res() reply: FastifyReply) {
    const bundle = this.source.current();
    const versioned = /^mellon-recovery\.([0-9a-f]{16})\.js$/.exec(file);
    if (!bundle || (file !== 'mellon-recovery.js' && versioned?.[1] !== bundle.hash)) throw new ApiError('not_found', 'No such file.');
    const etag = `"${bundle.hash}"`;
    reply
      .header('access-control-allow-origin', '*')
      .header('cross-origin-resource-policy', 'cross-origin')
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', versioned ? IMMUTABLE : STABLE)
      .header('etag', etag)
      .header('link', `</sdk/mellon-recovery.${bundle.hash}.js>; rel="canonical"`)
      .header('content-type', 'text/javascript; charset=utf-8');
    if (ifNoneMatch?.split(',').some((t) => t.trim() === etag)) return reply.status(304).send();
    return reply.send(bundle.body);
  }
}
