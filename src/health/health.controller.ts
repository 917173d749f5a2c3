import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import Redis from 'ioredis';
import { backendLastSeenDown, describeUnreachable } from '../common/backend-down';
import { withTimeout } from '../common/with-timeout';
import { AppConfig } from '../config/config';
import { CONFIG } from '../config/config.module';
import { Db } from '../database/db';
import { REDIS } from '../redis/redis.module';
import { LiveResponseDto, ReadinessResponseDto } from './health-responses.dto';

interface Readiness {
  ok: boolean;
  body: { status: string; checks: { postgres: string; redis: string }; problems?: string[] };
}

/** One check result serves every probe for this long, so the endpoint cannot be used to load PostgreSQL. */
const READY_CACHE_MS = 1000;

@ApiTags('public')
@SkipThrottle()
@Controller()
export class HealthController {
  private last?: { at: number; result: Promise<Readiness> };

  constructor(
    private readonly db: Db,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('health/live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ type: LiveResponseDto })
  live() {
    return { status: 'ok' };
  }

  @Get('health/ready')
  @ApiOperation({ summary: 'Readiness: PostgreSQL and Redis answer' })
  @ApiOkResponse({ type: ReadinessResponseDto })
  @ApiServiceUnavailableResponse({ type: ReadinessResponseDto, description: 'A backing service is down (the same body, status unavailable)' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const now = Date.now();
    // A request that has since failed for want of a backing service makes the next probe look again.
    if (!this.last || now - this.last.at >= READY_CACHE_MS || backendLastSeenDown() >= this.last.at) this.last = { at: now, result: this.check() };
    const { ok, body } = await this.last.result;
    reply.status(ok ? 200 : 503);
    return body;
  }

  private async check(): Promise<Readiness> {
    const problems: string[] = [];
    const probe = (p: Promise<unknown>, variable: string, url: string) =>
      withTimeout(p, 2000, 'the check').then(
        () => 'up',
        (err: unknown) => {
          problems.push(describeUnreachable(variable, url, err));
          return 'down';
        },
      );
    const [postgres, redis] = await Promise.all([probe(this.db.ping(), 'DATABASE_URL', this.config.databaseUrl), probe(this.redis.ping(), 'REDIS_URL', this.config.redisUrl)]);
    const ok = postgres === 'up' && redis === 'up';
    return { ok, body: { status: ok ? 'ok' : 'unavailable', checks: { postgres, redis }, ...(ok ? {} : { problems }) } };
  }
}
