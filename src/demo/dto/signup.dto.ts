import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, Length, Matches } from 'class-validator';
import { trimString } from '../../common/email';
import { EXTERNAL_USER_ID } from '../../users/dto/user.dto';

export class DemoSignupDto {
  @ApiProperty({ example: 'ada' })
  @Matches(EXTERNAL_USER_ID, { message: 'externalUserId must be 1-128 characters of letters, digits and ._:@|+-' })
  externalUserId: string;

  @ApiProperty({ example: 'ada@example.com' }) @Transform(trimString) @IsEmail() @Length(3, 254) email: string;
}
