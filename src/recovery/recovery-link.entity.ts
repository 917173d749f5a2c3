import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** A support-initiated recovery: a single-use link token, stored only as its keyed hash. */
@Entity('recovery_links')
@Index('recovery_links_live_idx', ['appId', 'userId'], { where: 'consumed_at IS NULL AND superseded_at IS NULL' })
export class RecoveryLink {
  @PrimaryColumn('uuid') id: string;
  @Column('text', { name: 'app_id' }) appId: string;
  @Column('uuid', { name: 'user_id' }) userId: string;
  @Index({ unique: true }) @Column('bytea', { name: 'token_hash', select: false }) tokenHash: Buffer;
  @Column('text') actor: string;
  @Column('text') reason: string;
  @Column('text') delivery: 'email' | 'link';
  @Column('int', { name: 'revoked_count' }) revokedCount: number;
  @Column('timestamptz', { name: 'expires_at' }) expiresAt: Date;
  @Column('timestamptz', { name: 'consumed_at', nullable: true }) consumedAt: Date | null;
  @Column('timestamptz', { name: 'superseded_at', nullable: true }) supersededAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
