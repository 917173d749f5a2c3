import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

export class ReportTokenDto {
  @ApiProperty({ description: 'The token from the fragment of a "This wasn\'t me" link (<PUBLIC_URL>/report#token=…)' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{16,200}$/, { message: 'token must be the token from a "This wasn\'t me" link' })
  token: string;
}
