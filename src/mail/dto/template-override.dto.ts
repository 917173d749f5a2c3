import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString } from 'class-validator';
import { LOCALES } from '../../common/locales';
import { LIMITS, MAIL_TEMPLATES } from '../template-rules';

export class TemplateParamsDto {
  @ApiProperty({ enum: MAIL_TEMPLATES }) @IsIn(MAIL_TEMPLATES) template: string;
  @ApiProperty({ enum: LOCALES }) @IsIn(LOCALES) locale: string;
}

export class AppIdParamDto {
  @ApiProperty({ example: 'app_3kTq…' }) @IsString() appId: string;
}

export class TemplateOverrideParamsDto extends TemplateParamsDto {
  @ApiProperty() @IsString() appId: string;
}

/** Handlebars source of the three parts; sizes and content are checked by the service (template-rules.ts). */
export class PutTemplateOverrideDto {
  @ApiProperty({ example: '{{code}} is your {{appName}} code', maxLength: LIMITS.subject }) @IsString() subject: string;
  @ApiProperty({ example: 'Your code: {{code}}', maxLength: LIMITS.text }) @IsString() text: string;
  @ApiProperty({ example: '<p>Your code: <b>{{code}}</b></p>', maxLength: LIMITS.html }) @IsString() html: string;
}

/** A draft to preview; without it the stored override (or the bundled template) is previewed. */
export class PreviewTemplateDto {
  @ApiPropertyOptional() @IsOptional() @IsString() subject?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() text?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() html?: string;
}

export class TemplateOverrideDto {
  @ApiProperty({ enum: MAIL_TEMPLATES, example: 'otp-login' }) template: string;
  @ApiProperty({ enum: LOCALES, example: 'en' }) locale: string;
  @ApiProperty({ example: '{{code}} is your {{appName}} code' }) subject: string;
  @ApiProperty({ example: 'Your code: {{code}}' }) text: string;
  @ApiProperty({ example: '<p>Your code: <b>{{code}}</b></p>' }) html: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class TemplateOverrideListDto {
  @ApiProperty({ type: [TemplateOverrideDto] }) overrides: TemplateOverrideDto[];
}

export class TemplateSourceDto {
  @ApiProperty({ enum: MAIL_TEMPLATES, example: 'otp-login' }) template: string;
  @ApiProperty({ enum: LOCALES, example: 'en' }) locale: string;
  @ApiProperty({ enum: ['override', 'bundled'], description: "The application's own template, or the bundled one" }) source: string;
  @ApiProperty({ example: '{{code}} is your {{appName}} sign-in code' }) subject: string;
  @ApiProperty() text: string;
  @ApiProperty() html: string;
}

export class TemplatePreviewDto {
  @ApiProperty({ enum: MAIL_TEMPLATES, example: 'otp-login' }) template: string;
  @ApiProperty({ enum: LOCALES, example: 'en' }) locale: string;
  @ApiProperty({ enum: ['draft', 'override', 'bundled'], description: 'What was rendered' }) source: string;
  @ApiProperty({ example: '123456 is your Acme code' }) subject: string;
  @ApiProperty({ example: 'Your code: 123456' }) text: string;
  @ApiProperty({ example: '<p>Your code: <b>123456</b></p>' }) html: string;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { appName: 'Acme', code: '123456', expiresMinutes: 10 } }) sampleData: Record<string, unknown>;
}
