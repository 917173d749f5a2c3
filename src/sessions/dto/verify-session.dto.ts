import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length } from 'class-validator';
import { TokenScope } from '../token.types';

export class VerifySessionDto {
  @ApiProperty() @IsString() @Length(1, 4096) token: string;

  @ApiPropertyOptional({
    enum: ['session', 'recovery', 'enrollment'],
    default: 'session',
    description: 'The scope the token must have. Defaults to session, so a recovery or enrollment token never passes as a login.',
  })
  @IsOptional()
  @IsIn(['session', 'recovery', 'enrollment'])
  scope?: TokenScope;
}
