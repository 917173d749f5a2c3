import { ApiProperty } from '@nestjs/swagger';

export class AuditEventDto {
  @ApiProperty({ example: '1042', description: 'bigint, as a string' }) id: string;
  @ApiProperty({ example: 'otp.sent' }) type: string;
  @ApiProperty({ example: 'end_user' }) actor: string;
  @ApiProperty({ nullable: true, type: String, example: 'user_42' }) externalUserId: string | null;
  @ApiProperty({ nullable: true, type: String }) ip: string | null;
  @ApiProperty({ nullable: true, type: String }) userAgent: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) data: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class AuditEventPageDto {
  @ApiProperty({ type: [AuditEventDto], description: 'Newest first' }) events: AuditEventDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page; null on the last page' }) nextCursor: string | null;
}
