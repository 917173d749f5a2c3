import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type AppMode = 'sandbox' | 'production';

@Entity('applications')
export class Application {
  @PrimaryColumn('text') id: string;
  @Index({ unique: true }) @Column('text', { name: 'client_id' }) clientId: string;
  @Index({ unique: true }) @Column('bytea', { name: 'secret_key_hash', select: false }) secretKeyHash: Buffer;
  @Column('text') name: string;
  @Column('text') mode: AppMode;
  @Column('text', { name: 'allowed_origins', array: true }) allowedOrigins: string[];
  @Column('text', { name: 'rp_id' }) rpId: string;
  @Column('text', { name: 'rp_name' }) rpName: string;
  @Column('text', { name: 'recovery_url' }) recoveryUrl: string;
  @Column('text', { name: 'mail_from' }) mailFrom: string;
  @Column('text') locale: string;
  @Column('int', { name: 'otp_length' }) otpLength: number;
  @Column('boolean', { name: 'is_demo' }) isDemo: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
