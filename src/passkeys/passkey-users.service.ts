import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Application } from '../applications/application.model';
import { ApiError } from '../common/api-error';
import { TokenClaims } from '../sessions/token.types';
import { User } from '../users/user.entity';

/** Looks users up by internal id (tokens and credentials carry it), always within one application. */
@Injectable()
export class PasskeyUsersService {
  constructor(@InjectRepository(User) private readonly repo: Repository<User>) {}

  async ofToken(app: Application, claims: TokenClaims): Promise<User> {
    const user = await this.repo.findOneBy({ id: claims.uid, appId: app.id });
    if (!user || user.externalUserId !== claims.sub) throw new ApiError('invalid_token', 'The user of this token no longer exists.');
    return user;
  }

  byId(appId: string, id: string): Promise<User | null> {
    return this.repo.findOneBy({ id, appId });
  }
}
