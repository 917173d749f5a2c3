import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type OutboxStatus = 'pending' | 'queued' | 'sending' | 'sent' | 'failed';

/** One mail to deliver. The payload (which may hold a code or link token) is AES-GCM encrypted. */
@Entity('mail_outbox')
@Index('mail_outbox_app_to_idx', ['appId', 'toAddress', 'createdAt'])
export class MailOutbox {
  @PrimaryColumn('uuid') id: string;
  @Column('text', { name: 'app_id' }) appId: string;
  @Column('uuid', { name: 'user_id', nullable: true }) userId: string | null;
  @Column('uuid', { name: 'challenge_id', nullable: true }) challengeId: string | null;
  @Column('text') template: string;
  @Column('text') locale: string;
  @Column('text', { name: 'to_address' }) toAddress: string;
  @Column('bytea', { name: 'payload_enc' }) payloadEnc: Buffer;
  @Column('text') status: OutboxStatus;
  @Column('int') attempts: number;
  @Column('text', { name: 'last_error', nullable: true }) lastError: string | null;
  @Column('timestamptz', { name: 'queued_at', nullable: true }) queuedAt: Date | null;
  @Column('timestamptz', { name: 'sent_at', nullable: true }) sentAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
