import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class VerifySessionDto {
  @ApiProperty() @IsString() @Length(1, 4096) token: string;
}
