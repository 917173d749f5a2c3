import { ApiProperty } from '@nestjs/swagger';

export class TotpStatusDto {
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastUsedAt: string | null;
}

export class RecoveryCodesStatusDto {
  @ApiProperty({ example: 10 }) remaining: number;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) createdAt: string | null;
}

export class SecondFactorStatusDto {
  @ApiProperty({ type: TotpStatusDto, nullable: true }) totp: TotpStatusDto | null;
  @ApiProperty({ type: RecoveryCodesStatusDto }) recoveryCodes: RecoveryCodesStatusDto;
}

export class TotpEnrollStartResponseDto {
  @ApiProperty({ format: 'uuid' }) enrollmentId: string;
  @ApiProperty({ description: 'base32 secret, shown once', example: 'JBSWY3DPEHPK3PXP' }) secret: string;
  @ApiProperty({ example: 'otpauth://totp/Acme:ada%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Acme' }) otpauthUrl: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
}

export class TotpEnrollFinishResponseDto {
  @ApiProperty({ enum: ['totp'] }) factor: string;
  @ApiProperty({ description: 'Whether an earlier authenticator app was replaced' }) replaced: boolean;
}

export class TotpDeleteResponseDto {
  @ApiProperty({ enum: ['totp'] }) removed: string;
  @ApiProperty({ type: RecoveryCodesStatusDto }) recoveryCodes: RecoveryCodesStatusDto;
}

export class RecoveryCodesResponseDto {
  @ApiProperty({ type: [String], example: ['7K3QD-M9X2P'], description: 'Ten single-use codes, shown once' }) codes: string[];
}
