// Label and field selectors with kube-apiserver's grammar, validation and error messages
// (k8s.io/apimachinery/pkg/labels, pkg/fields and metav1.LabelSelectorAsSelector, v1.32).

import { ApiError, errors, fieldErrors, type StatusCause } from './errors.ts';

// ---------------------------------------------------------------------------------------------
// Label key/value syntax (apimachinery/pkg/util/validation)

const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const QUALIFIED_NAME_ERR =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const LABEL_VALUE_ERR =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1123_SUBDOMAIN_ERR =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  // Go builds "(e.g. 'a',  or 'b', regex ...)": the doubled space is kube's and clients see it.
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

const maxLenError = (n: number) => `must be no more than ${n} characters`;

/** Lengths are in bytes in Go; label keys and values are ASCII when valid, so this only matters for errors. */
const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');

/** validation.IsQualifiedName: messages for a label key (or any qualified name); empty when valid. */
export function qualifiedNameErrors(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0];
  } else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) {
      errs.push('prefix part must be non-empty');
    } else {
      if (byteLength(prefix) > 253) errs.push(`prefix part ${maxLenError(253)}`);
      if (!DNS1123_SUBDOMAIN_RE.test(prefix)) {
        errs.push(`prefix part ${regexError(DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, 'example.com')}`);
      }
    }
  } else {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (byteLength(name) > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!QUALIFIED_NAME_RE.test(name)) {
    errs.push(
      `name part ${regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`,
    );
  }
  return errs;
}

/** validation.IsValidLabelValue: messages for a label value; empty when valid. */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63));
  if (!LABEL_VALUE_RE.test(value))
    errs.push(regexError(LABEL_VALUE_ERR, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Label selectors

/** selection.Operator values, spelled as kube spells them. */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  readonly key: string;
  readonly operator: LabelOperator;
  readonly values: readonly string[];
}

export interface LabelSelector {
  /** Sorted by key, as kube sorts them; every requirement must match. */
  readonly requirements: readonly Requirement[];
  /** True only for the selector of an absent (nil) metav1.LabelSelector: it matches nothing. */
  readonly matchesNothing?: boolean;
}

export type Labels = Readonly<Record<string, string>>;

/** A selector that matches every object (the empty selector). */
export const everything: LabelSelector = Object.freeze({ requirements: Object.freeze([]) });
/** A selector that matches no object (what a nil metav1.LabelSelector means). */
export const nothing: LabelSelector = Object.freeze({
  requirements: Object.freeze([]),
  matchesNothing: true,
});

function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Renders a Go []string the way %#v does inside field errors: []string{"a", "b"}. */
function goStringSlice(values: readonly string[]): string {
  return `[]string{${values.map(goQuote).join(', ')}}`;
}

/** One field error rendered as Go's field.Error.Error() does: "<path>: Invalid value: ...". */
function fieldError(path: string, badValue: string, detail: string): string {
  return `${path}: Invalid value: ${badValue}: ${detail}`;
}

/** Go's aggregate error: one message alone, several in brackets. */
function aggregate(messages: string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

/**
 * labels.NewRequirement: validates and builds one requirement. `path` prefixes field paths in
 * errors (kube passes none when parsing a selector string, so paths start at "key"/"values").
 */
export function newRequirement(
  key: string,
  operator: LabelOperator,
  values: readonly string[],
  path = '',
): Requirement {
  const child = (name: string) => (path ? `${path}.${name}` : name);
  const errs: string[] = [];
  const keyErrs = qualifiedNameErrors(key);
  if (keyErrs.length) errs.push(fieldError(child('key'), goQuote(key), keyErrs.join('; ')));
  const valuesPath = child('values');
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) {
        errs.push(
          fieldError(
            valuesPath,
            goStringSlice(values),
            "for 'in', 'notin' operators, values set can't be empty",
          ),
        );
      }
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) {
        errs.push(
          fieldError(
            valuesPath,
            goStringSlice(values),
            'exact-match compatibility requires one single value',
          ),
        );
      }
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) {
        errs.push(
          fieldError(
            valuesPath,
            goStringSlice(values),
            'values set must be empty for exists and does not exist',
          ),
        );
      }
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) {
        errs.push(
          fieldError(
            valuesPath,
            goStringSlice(values),
            "for 'Gt', 'Lt' operators, exactly one value is required",
          ),
        );
      }
      values.forEach((v, i) => {
        if (parseGoInt64(v) === undefined) {
          errs.push(
            fieldError(
              `${valuesPath}[${i}]`,
              goQuote(v),
              "for 'Gt', 'Lt' operators, the value must be an integer",
            ),
          );
        }
      });
      break;
    default:
      errs.push(
        `${child('operator')}: Unsupported value: ${goQuote(String(operator))}: supported values: ` +
          ['in', 'notin', '=', '==', '!=', 'gt', 'lt', 'exists', '!'].map(goQuote).join(', '),
      );
  }
  values.forEach((v, i) => {
    const valueErrs = labelValueErrors(v);
    if (valueErrs.length)
      errs.push(fieldError(`${valuesPath}[${i}][${key}]`, goQuote(v), valueErrs.join('; ')));
  });
  if (errs.length) throw errors.badRequest(aggregate(errs));
  return { key, operator, values: [...values] };
}

/** strconv.ParseInt(s, 10, 64); undefined when Go would fail. */
function parseGoInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  if (n > 9223372036854775807n || n < -9223372036854775808n) return undefined;
  return n;
}

type Token =
  | 'error'
  | 'end'
  | ')'
  | ','
  | '!'
  | '=='
  | '='
  | '>'
  | 'identifier'
  | 'in'
  | '<'
  | '!='
  | 'notin'
  | '(';

const STRING_TO_TOKEN: Readonly<Record<string, Token>> = {
  ')': ')',
  ',': ',',
  '!': '!',
  '==': '==',
  '=': '=',
  '>': '>',
  in: 'in',
  '<': '<',
  '!=': '!=',
  notin: 'notin',
  '(': '(',
};

const isWhitespace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecialSymbol = (ch: string) => '=!(),><'.includes(ch);

interface Scanned {
  tok: Token;
  lit: string;
}

/** The lexer of labels.Parse, byte for byte (kube scans bytes; label syntax is ASCII). */
function lex(s: string): Scanned[] {
  const out: Scanned[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos])) pos++;
    if (pos >= s.length) {
      out.push({ tok: 'end', lit: '' });
      return out;
    }
    if (isSpecialSymbol(s[pos])) {
      let buffer = '';
      let last: Scanned | undefined;
      while (pos < s.length && isSpecialSymbol(s[pos])) {
        buffer += s[pos];
        const token = STRING_TO_TOKEN[buffer];
        if (token) {
          last = { tok: token, lit: buffer };
          pos++;
        } else if (last) {
          break;
        } else {
          pos++;
        }
      }
      out.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buffer}'` });
      continue;
    }
    let buffer = '';
    while (pos < s.length && !isSpecialSymbol(s[pos]) && !isWhitespace(s[pos])) buffer += s[pos++];
    const keyword = STRING_TO_TOKEN[buffer];
    out.push({ tok: keyword ?? 'identifier', lit: buffer });
  }
}

class Parser {
  private position = 0;
  constructor(private readonly items: Scanned[]) {}

  /** In value context the keywords "in" and "notin" are plain identifiers. */
  private lookahead(values: boolean): Scanned {
    const item = this.items[this.position];
    return values && (item.tok === 'in' || item.tok === 'notin')
      ? { tok: 'identifier', lit: item.lit }
      : item;
  }

  private consume(values: boolean): Scanned {
    const item = this.lookahead(values);
    this.position++;
    return item;
  }

  parse(): Requirement[] {
    const requirements: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead(true);
      switch (tok) {
        case 'identifier':
        case '!': {
          try {
            requirements.push(this.parseRequirement());
          } catch (e) {
            throw new Error(`unable to parse requirement: ${(e as Error).message}`);
          }
          const next = this.consume(true);
          if (next.tok === 'end') return requirements;
          if (next.tok === ',') {
            const after = this.lookahead(true);
            if (after.tok !== 'identifier' && after.tok !== '!') {
              throw new Error(`found '${after.lit}', expected: identifier after ','`);
            }
            break;
          }
          throw new Error(`found '${next.lit}', expected: ',' or 'end of string'`);
        }
        case 'end':
          return requirements;
        default:
          throw new Error(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private parseRequirement(): Requirement {
    let operator: LabelOperator | undefined;
    let { tok, lit } = this.consume(true);
    if (tok === '!') {
      operator = '!';
      ({ tok, lit } = this.consume(true));
    }
    if (tok !== 'identifier') throw new Error(`found '${lit}', expected: identifier`);
    const key = lit;
    const keyErrs = qualifiedNameErrors(key);
    // kube validates the key with a nil field path here, which Go prints as "<nil>".
    if (keyErrs.length) throw new Error(fieldError('<nil>', goQuote(key), keyErrs.join('; ')));
    const next = this.lookahead(true).tok;
    if (next === 'end' || next === ',') operator ??= 'exists';
    if (operator === 'exists' || operator === '!') return requirementOrThrowPlain(key, operator, []);
    operator = this.parseOperator();
    const values = operator === 'in' || operator === 'notin' ? this.parseValues() : this.parseExactValue();
    return requirementOrThrowPlain(key, operator, [...values].sort());
  }

  private parseOperator(): LabelOperator {
    const { tok, lit } = this.consume(false);
    switch (tok) {
      case 'in':
        return 'in';
      case '=':
        return '=';
      case '==':
        return '==';
      case '>':
        return 'gt';
      case '<':
        return 'lt';
      case 'notin':
        return 'notin';
      case '!=':
        return '!=';
      default:
        throw new Error(`found '${lit}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }

  private parseValues(): Set<string> {
    const open = this.consume(true);
    if (open.tok !== '(') throw new Error(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.lookahead(true);
    if (tok === 'identifier' || tok === ',') {
      const values = this.parseIdentifiersList();
      if (this.consume(true).tok !== ')') throw new Error(`found '${lit}', expected: ')'`);
      return values;
    }
    if (tok === ')') {
      this.consume(true);
      return new Set(['']);
    }
    throw new Error(`found '${lit}', expected: ',', ')' or identifier`);
  }

  private parseIdentifiersList(): Set<string> {
    const values = new Set<string>();
    for (;;) {
      const { tok, lit } = this.consume(true);
      if (tok === 'identifier') {
        values.add(lit);
        const next = this.lookahead(true);
        if (next.tok === ',') continue;
        if (next.tok === ')') return values;
        throw new Error(`found '${next.lit}', expected: ',' or ')'`);
      }
      if (tok === ',') {
        if (values.size === 0) values.add(''); // "(,"
        const next = this.lookahead(true).tok;
        if (next === ')') {
          values.add(''); // ",)"
          return values;
        }
        if (next === ',') {
          this.consume(true);
          values.add(''); // ",,"
        }
        continue;
      }
      throw new Error(`found '${lit}', expected: ',', or identifier`);
    }
  }

  private parseExactValue(): Set<string> {
    const next = this.lookahead(true).tok;
    if (next === 'end' || next === ',') return new Set(['']);
    const { tok, lit } = this.consume(true);
    if (tok === 'identifier') return new Set([lit]);
    throw new Error(`found '${lit}', expected: identifier`);
  }
}

/** newRequirement, but reporting its message as a plain Error for the parser to wrap. */
function requirementOrThrowPlain(key: string, operator: LabelOperator, values: string[]): Requirement {
  try {
    return newRequirement(key, operator, values);
  } catch (e) {
    throw new Error((e as Error).message);
  }
}

function byKey(a: Requirement, b: Requirement): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * labels.Parse: the `labelSelector` query parameter. Errors are 400 BadRequest with kube's
 * message, e.g. `unable to parse requirement: found '', expected: identifier`.
 */
export function parseLabelSelector(s: string): LabelSelector {
  let requirements: Requirement[];
  try {
    requirements = new Parser(lex(s)).parse();
  } catch (e) {
    throw errors.badRequest((e as Error).message);
  }
  // Go's sort.Sort is not stable; equal keys keep parse order here, which matches for small inputs.
  return { requirements: requirements.sort(byKey) };
}

/** labels.SelectorFromSet: a selector requiring every given label (no validation, as in kube). */
export function labelSelectorFromSet(labels: Labels | undefined): LabelSelector {
  const requirements = Object.keys(labels ?? {})
    .sort()
    .map((key): Requirement => ({ key, operator: '=', values: [labels![key]] }));
  return { requirements };
}

function parseIntOrUndefined(s: string): bigint | undefined {
  return parseGoInt64(s);
}

function requirementMatches(r: Requirement, labels: Labels): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(value!);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(value!);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || r.values.length !== 1) return false;
      const actual = parseIntOrUndefined(value!);
      const bound = parseIntOrUndefined(r.values[0]);
      if (actual === undefined || bound === undefined) return false;
      return r.operator === 'gt' ? actual > bound : actual < bound;
    }
    default:
      return false;
  }
}

/** Whether the labels satisfy every requirement of the selector. */
export function matchesLabels(selector: LabelSelector, labels: Labels | undefined): boolean {
  if (selector.matchesNothing) return false;
  const set = labels ?? {};
  return selector.requirements.every((r) => requirementMatches(r, set));
}

/** Requirement.String: the canonical form kube prints (values sorted). */
export function requirementToString(r: Requirement): string {
  const values = r.values.length === 1 ? r.values[0] : [...r.values].sort().join(',');
  switch (r.operator) {
    case '!':
      return `!${r.key}`;
    case 'exists':
      return r.key;
    case 'in':
      return `${r.key} in (${values})`;
    case 'notin':
      return `${r.key} notin (${values})`;
    case 'gt':
      return `${r.key}>${values}`;
    case 'lt':
      return `${r.key}<${values}`;
    default:
      return `${r.key}${r.operator}${values}`;
  }
}

/** Selector.String: requirements joined by ",", parseable by parseLabelSelector. */
export function labelSelectorToString(selector: LabelSelector): string {
  return selector.requirements.map(requirementToString).join(',');
}

// ---------------------------------------------------------------------------------------------
// metav1.LabelSelector (the object form used by Deployments, ReplicaSets, PDBs, ...)

export interface LabelSelectorRequirementObject {
  key?: unknown;
  operator?: unknown;
  values?: unknown;
}

export interface LabelSelectorObject {
  matchLabels?: Record<string, unknown> | null;
  matchExpressions?: LabelSelectorRequirementObject[] | null;
}

const OPERATOR_FROM_OBJECT: Readonly<Record<string, LabelOperator>> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

function invalidCause(field: string, value: unknown, detail: string): StatusCause {
  return fieldErrors.invalid(field, value, detail);
}

/**
 * metav1validation.ValidateLabelSelector: one cause per problem, with field paths under `path`
 * (e.g. "spec.selector"), for the server to report as a 422.
 */
export function validateLabelSelector(
  ls: LabelSelectorObject | null | undefined,
  path: string,
): StatusCause[] {
  const causes: StatusCause[] = [];
  if (ls == null) return causes;
  if (typeof ls !== 'object' || Array.isArray(ls)) {
    return [invalidCause(path, ls, 'must be an object')];
  }
  const matchLabels = ls.matchLabels ?? {};
  if (typeof matchLabels !== 'object' || Array.isArray(matchLabels)) {
    causes.push(invalidCause(`${path}.matchLabels`, matchLabels, 'must be a map of strings'));
  } else {
    for (const [k, v] of Object.entries(matchLabels)) {
      for (const msg of qualifiedNameErrors(k)) causes.push(invalidCause(`${path}.matchLabels`, k, msg));
      if (typeof v !== 'string') {
        causes.push(invalidCause(`${path}.matchLabels`, v, 'must be a string'));
        continue;
      }
      for (const msg of labelValueErrors(v)) causes.push(invalidCause(`${path}.matchLabels`, v, msg));
    }
  }
  const expressions = ls.matchExpressions ?? [];
  if (!Array.isArray(expressions)) {
    causes.push(invalidCause(`${path}.matchExpressions`, expressions, 'must be a list'));
    return causes;
  }
  expressions.forEach((expr, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    if (expr == null || typeof expr !== 'object' || Array.isArray(expr)) {
      causes.push(invalidCause(p, expr, 'must be an object'));
      return;
    }
    const values = expr.values ?? [];
    const valueList = Array.isArray(values) ? values : [];
    if (!Array.isArray(values)) causes.push(invalidCause(`${p}.values`, values, 'must be a list of strings'));
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (valueList.length === 0) {
          causes.push(
            fieldErrors.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"),
          );
        }
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (valueList.length > 0) {
          causes.push(
            fieldErrors.forbidden(
              `${p}.values`,
              "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            ),
          );
        }
        break;
      default:
        causes.push(invalidCause(`${p}.operator`, expr.operator ?? '', 'not a valid selector operator'));
    }
    const key = typeof expr.key === 'string' ? expr.key : '';
    if (typeof expr.key !== 'string') causes.push(fieldErrors.required(`${p}.key`));
    else for (const msg of qualifiedNameErrors(key)) causes.push(invalidCause(`${p}.key`, key, msg));
    valueList.forEach((v, j) => {
      if (typeof v !== 'string') {
        causes.push(invalidCause(`${p}.values[${j}]`, v, 'must be a string'));
        return;
      }
      for (const msg of labelValueErrors(v)) causes.push(invalidCause(`${p}.values[${j}]`, v, msg));
    });
  });
  return causes;
}

/**
 * metav1.LabelSelectorAsSelector: the matcher for a selector object. An absent selector matches
 * nothing; an empty one matches everything. Invalid selectors are a 400 BadRequest naming the
 * offending fields under `path`.
 */
export function labelSelectorFromObject(
  ls: LabelSelectorObject | null | undefined,
  path = 'selector',
): LabelSelector {
  if (ls == null) return nothing;
  const causes = validateLabelSelector(ls, path);
  if (causes.length) {
    const message = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(', ');
    throw new ApiError(400, 'BadRequest', `invalid label selector: ${message}`, { causes });
  }
  const requirements: Requirement[] = [];
  for (const [key, value] of Object.entries(ls.matchLabels ?? {})) {
    requirements.push({ key, operator: '=', values: [value as string] });
  }
  for (const expr of ls.matchExpressions ?? []) {
    const operator = OPERATOR_FROM_OBJECT[expr.operator as string];
    requirements.push({ key: expr.key as string, operator, values: [...((expr.values as string[]) ?? [])] });
  }
  return { requirements: requirements.sort(byKey) };
}

// ---------------------------------------------------------------------------------------------
// Field selectors

export interface FieldRequirement {
  readonly field: string;
  readonly operator: '=' | '!=';
  readonly value: string;
}

export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
}

/** Splits on unescaped commas, keeping escapes (fields.splitTerms). */
function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

const TERM_OPERATORS = ['!=', '==', '='] as const;

function splitTerm(
  term: string,
): { lhs: string; op: (typeof TERM_OPERATORS)[number]; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of TERM_OPERATORS) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/** fields.UnescapeValue: `\\`, `\,` and `\=` are escapes; bare `,` or `=` are errors. */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') out += c;
      else throw errors.badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') {
      // Go prints the rune with %v, i.e. as its code point.
      throw errors.badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else out += c;
  }
  if (inSlash) throw errors.badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** fields.EscapeValue: the inverse of unescapeFieldValue. */
export function escapeFieldValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/,/g, '\\,').replace(/=/g, '\\=');
}

export interface FieldSelectorOptions {
  /**
   * The resource has no field-label conversion of its own (ConfigMaps, for example), so kube
   * answers with the default conversion's message instead of "field label not supported".
   */
  readonly defaultConversion?: boolean;
}

/**
 * fields.ParseSelector plus the field-label check the list handler does. With `supportedFields`,
 * other fields are a 400 (`field label not supported: spec.foo`).
 */
export function parseFieldSelector(
  s: string,
  supportedFields?: ReadonlySet<string>,
  options: FieldSelectorOptions = {},
): FieldSelector {
  const parts = splitTerms(s).sort();
  const requirements: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const term = splitTerm(part);
    if (!term) throw errors.badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    const value = unescapeFieldValue(term.rhs);
    requirements.push({ field: term.lhs, operator: term.op === '!=' ? '!=' : '=', value });
  }
  if (supportedFields) {
    for (const r of requirements) {
      if (supportedFields.has(r.field)) continue;
      if (options.defaultConversion) {
        throw errors.badRequest(
          `"${r.field}" is not a known field selector: only "metadata.name", "metadata.namespace"`,
        );
      }
      throw errors.badRequest(`field label not supported: ${r.field}`);
    }
  }
  return { requirements };
}

/** Whether an object's fields satisfy the selector; absent fields compare as "" (as in kube). */
export function matchesFields(
  selector: FieldSelector,
  getField: (path: string) => string | undefined,
): boolean {
  return selector.requirements.every((r) => {
    const actual = getField(r.field) ?? '';
    return r.operator === '=' ? actual === r.value : actual !== r.value;
  });
}

/** Selector.String: terms joined by ",", values escaped. */
export function fieldSelectorToString(selector: FieldSelector): string {
  return selector.requirements.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(',');
}

/**
 * Field selectors built-in kinds accept besides metadata.name and metadata.namespace (their
 * registries' field-label conversions). Kinds missing here use the default conversion.
 */
export const builtinSelectableFields: Readonly<Record<string, readonly string[]>> = {
  Pod: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  Event: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  Node: ['spec.unschedulable'],
  Namespace: ['status.phase'],
  Secret: ['type'],
  ReplicaSet: ['status.replicas'],
  ReplicationController: ['status.replicas'],
  Service: ['spec.clusterIP', 'spec.type'],
  Job: ['status.successful'],
  CertificateSigningRequest: ['spec.signerName'],
};

/** The field selectors a built-in kind supports, and whether kube uses the default conversion. */
export function builtinFieldSelectorSupport(kind: string): {
  fields: Set<string>;
  defaultConversion: boolean;
} {
  const extra = builtinSelectableFields[kind];
  return {
    fields: new Set(['metadata.name', 'metadata.namespace', ...(extra ?? [])]),
    defaultConversion: extra === undefined,
  };
}

/** Values kube reports for fields that are unset, by kind (Go zero values rendered as strings). */
const FIELD_DEFAULTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Pod: { 'spec.hostNetwork': 'false' },
  Node: { 'spec.unschedulable': 'false' },
  ReplicaSet: { 'status.replicas': '0' },
  ReplicationController: { 'status.replicas': '0' },
  Job: { 'status.successful': '0' },
};

function lookupPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    if (!Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function asFieldString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/**
 * Resolves field-selector paths on an object the way kube's registries expose them: dotted
 * paths, booleans and numbers as strings, and the few computed fields (a Pod's status.podIP is
 * its first podIPs entry; an Event's source falls back to reportingController).
 */
export function fieldGetter(obj: unknown): (path: string) => string | undefined {
  const kind = (obj as { kind?: unknown } | null)?.kind;
  const kindName = typeof kind === 'string' ? kind : '';
  return (path) => {
    if (kindName === 'Pod' && path === 'status.podIP') {
      const podIPs = lookupPath(obj, 'status.podIPs');
      if (Array.isArray(podIPs) && podIPs.length > 0)
        return asFieldString((podIPs[0] as { ip?: unknown })?.ip) ?? '';
      return asFieldString(lookupPath(obj, 'status.podIP'));
    }
    if (kindName === 'Event' && path === 'source') {
      const component = asFieldString(lookupPath(obj, 'source.component'));
      return component || asFieldString(lookupPath(obj, 'reportingComponent'));
    }
    const value = asFieldString(lookupPath(obj, path));
    return value ?? FIELD_DEFAULTS[kindName]?.[path];
  };
}
