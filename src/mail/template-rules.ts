import Handlebars from 'handlebars';
import { MailTemplate } from './mail.constants';

/** What an override may use: the template's variables (with sample values for previews) and those it must show. */
interface TemplateRule {
  sample: Record<string, unknown>;
  /** Referenced in both the text and the HTML part: the code, or the link the mail exists for. */
  required: string[];
}

const REPORT_LINK = 'https://recovery.example/report#sample';

export const TEMPLATE_RULES: Record<MailTemplate, TemplateRule> = {
  'otp-login': { sample: { code: '123456', expiresMinutes: 10 }, required: ['code'] },
  'otp-recovery': { sample: { code: '123456', expiresMinutes: 10 }, required: ['code'] },
  'recovery-link': { sample: { link: 'https://myapp.example/recover#token=sample', expiresHours: 24 }, required: ['link'] },
  'passkey-added': { sample: { label: 'iPhone', reportLink: REPORT_LINK }, required: ['reportLink'] },
  'passkeys-revoked': { sample: { count: 2, reportLink: REPORT_LINK }, required: ['reportLink'] },
  'second-factor-changed': { sample: { totpAdded: true, totpRemoved: false, codesCreated: false, replaced: false, reportLink: REPORT_LINK }, required: ['reportLink'] },
  'second-factor-used': { sample: { totp: false, recoveryCode: true, codesRemaining: 7, reportLink: REPORT_LINK }, required: ['reportLink'] },
  'support-reset': { sample: { reportLink: REPORT_LINK }, required: ['reportLink'] },
};

export const MAIL_TEMPLATES = Object.keys(TEMPLATE_RULES) as MailTemplate[];

export function isMailTemplate(value: string): value is MailTemplate {
  return Object.prototype.hasOwnProperty.call(TEMPLATE_RULES, value);
}

/** Sample data for a preview: every variable of the template, and the application's name. */
export function sampleData(template: MailTemplate, appName: string): Record<string, unknown> {
  return { appName, ...TEMPLATE_RULES[template].sample };
}

export const LIMITS = { subject: 300, text: 16 * 1024, html: 64 * 1024 } as const;
export type Part = keyof typeof LIMITS;

export interface TemplateProblem {
  field: Part;
  problem: string;
}

const BLOCK_HELPERS = new Set(['if', 'unless', 'each', 'with']);
/** Blocks inside which `{{x}}` no longer names a template variable. */
const SCOPING = new Set(['each', 'with']);

type Node = hbs.AST.Node & Record<string, unknown>;

/**
 * Checks one part of an override: it must parse; it may use the template's variables and the
 * built-in block helpers only (no partials, decorators or other helpers, which would fail when
 * the mail is sent); the HTML part may not use `{{{ }}}`, so every value stays HTML-escaped.
 * Returns the problems found and the variables the part references.
 */
export function checkPart(template: MailTemplate, field: Part, source: string): { problems: TemplateProblem[]; uses: Set<string> } {
  const uses = new Set<string>();
  const problems: TemplateProblem[] = [];
  const say = (problem: string) => problems.push({ field, problem });
  if (source.length > LIMITS[field]) say(`${field} is longer than ${LIMITS[field]} characters`);
  if (field === 'subject' && /[\r\n]/.test(source.trim())) say('subject must be one line');
  let ast: hbs.AST.Program;
  try {
    ast = Handlebars.parse(source);
  } catch (err) {
    say(`${field} is not a valid Handlebars template: ${String((err as Error).message).split('\n')[0]}`);
    return { problems, uses };
  }
  const known = new Set(['appName', ...Object.keys(TEMPLATE_RULES[template].sample)]);
  const variable = (path: unknown, scoped: boolean) => {
    const p = path as hbs.AST.PathExpression;
    if (p?.type !== 'PathExpression' || p.data || scoped) return;
    const name = p.parts[0];
    if (name === undefined || p.depth > 0) return;
    if (!known.has(name)) say(`${field} uses {{${p.original}}}, which ${template} does not have (it has ${[...known].join(', ')})`);
    else uses.add(name);
  };
  const visit = (node: Node | null | undefined, scoped: boolean): void => {
    if (!node || typeof node !== 'object') return;
    switch (node.type) {
      case 'PartialStatement':
      case 'PartialBlockStatement':
        return void say(`${field} uses a partial; partials are not available`);
      case 'DecoratorBlock':
      case 'Decorator':
        return void say(`${field} uses a decorator; decorators are not available`);
      case 'MustacheStatement': {
        const m = node as unknown as hbs.AST.MustacheStatement;
        if (field === 'html' && !m.escaped) say(`html must not use {{{ }}} or {{& }}: values are always HTML-escaped`);
        if (m.params.length || m.hash?.pairs.length)
          say(`${field} calls a helper in {{${(m.path as hbs.AST.PathExpression).original} …}}; only {{#if}}, {{#unless}}, {{#each}} and {{#with}} are available`);
        return variable(m.path, scoped);
      }
      case 'BlockStatement': {
        const b = node as unknown as hbs.AST.BlockStatement;
        const helper = (b.path as hbs.AST.PathExpression).original;
        if (!BLOCK_HELPERS.has(helper)) say(`${field} uses the block {{#${helper}}}; only {{#if}}, {{#unless}}, {{#each}} and {{#with}} are available`);
        b.params.forEach((p) => variable(p, scoped));
        const inner = scoped || SCOPING.has(helper);
        visit(b.program as unknown as Node, inner);
        visit(b.inverse as unknown as Node, scoped);
        return;
      }
      case 'Program':
        return (node as unknown as hbs.AST.Program).body.forEach((n) => visit(n as Node, scoped));
      default:
        return;
    }
  };
  visit(ast as unknown as Node, false);
  return { problems, uses };
}

/** Every problem of a whole override (subject, text, html), including a missing required variable. */
export function checkOverride(template: MailTemplate, parts: Record<Part, string>): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  for (const field of ['subject', 'text', 'html'] as const) {
    const { problems: found, uses } = checkPart(template, field, parts[field]);
    problems.push(...found);
    if (field === 'subject' || found.some((p) => /not a valid Handlebars/.test(p.problem))) continue;
    for (const name of TEMPLATE_RULES[template].required) {
      if (!uses.has(name)) problems.push({ field, problem: `${field} must contain {{${name}}}: the ${template} mail exists to deliver it` });
    }
  }
  return problems;
}
