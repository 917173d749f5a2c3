import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';

@Entity('users')
@Unique('users_app_external_uq', ['appId', 'externalUserId'])
@Index('users_app_email_idx', ['appId', 'emailCanonical'])
export class User {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text', { name: 'app_id' }) appId: string;
  @Column('text', { name: 'external_user_id' }) externalUserId: string;
  @Column('text') email: string;
  @Column('text', { name: 'email_canonical' }) emailCanonical: string;
  @Column('text', { nullable: true }) locale: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
