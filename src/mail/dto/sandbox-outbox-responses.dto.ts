import { ApiProperty } from '@nestjs/swagger';

export class SandboxMailDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'ada@example.com' }) to: string;
  @ApiProperty({ example: 'otp-login' }) template: string;
  @ApiProperty({ example: 'sent' }) status: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) sentAt: string | null;
  @ApiProperty({ example: 'Your Acme sign-in code: 123456' }) subject: string;
  @ApiProperty() text: string;
  @ApiProperty() html: string;
}

export class SandboxOutboxResponseDto {
  @ApiProperty({ type: [SandboxMailDto], description: 'Mails rendered for this application in the last 24 h, newest first' }) mails: SandboxMailDto[];
}
