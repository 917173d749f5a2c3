import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

export type CeremonyKind = 'registration' | 'authentication';

/** One WebAuthn challenge; single use, consumed by one conditional UPDATE. */
@Entity('webauthn_ceremonies')
@Index('webauthn_ceremonies_expires_idx', ['expiresAt'])
export class WebauthnCeremony {
  @PrimaryColumn('uuid') id: string;
  @Column('text', { name: 'app_id' }) appId: string;
  @Column('uuid', { name: 'user_id', nullable: true }) userId: string | null;
  @Column('text') kind: CeremonyKind;
  @Column('text') challenge: string;
  /** A registration is bound to the token that started it. */
  @Column('uuid', { name: 'token_jti', nullable: true }) tokenJti: string | null;
  @Column('timestamptz', { name: 'expires_at' }) expiresAt: Date;
  @Column('timestamptz', { name: 'consumed_at', nullable: true }) consumedAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
