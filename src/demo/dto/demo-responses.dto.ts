import { ApiProperty } from '@nestjs/swagger';
import { TokenUserDto } from '../../sessions/dto/session-responses.dto';

export class DemoConfigResponseDto {
  @ApiProperty({ example: 'cli_4d1e8a0c3f' }) clientId: string;
  @ApiProperty({ example: 'localhost' }) rpId: string;
  @ApiProperty({ example: 'Mellon demo' }) rpName: string;
  @ApiProperty({ example: 'http://localhost:3000' }) publicUrl: string;
}

export class DemoSignupResponseDto {
  @ApiProperty({ type: TokenUserDto }) user: TokenUserDto;
  @ApiProperty({ description: 'Enrollment token' }) token: string;
  @ApiProperty({ enum: ['enrollment'] }) tokenType: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
}
