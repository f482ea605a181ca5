/**
 * Building blocks for the kind schemas in schemas.ts: Kubernetes-worded enums and quantities,
 * ObjectMeta with apimachinery's name, namespace, label and annotation rules, and LabelSelector.
 * Rules that need values (not just types) run as zod refinements that report field errors through
 * `report`, so they come out in the order the object is walked, like upstream's validation.
 */
import { z } from 'zod';
import { tryParseQuantity } from './quantity.ts';
import { body, type ErrorBody } from './field-errors.ts';
import { isLabelValue, isQualifiedName, isDNS1123Label, type NameValidator } from './names.ts';

type Ctx = z.core.$RefinementCtx<unknown>;

/** The zod issue param that carries a Kubernetes cause type through to validateObject. */
export const K8S_TYPE_PARAM = 'k8sType';

/** Reports a Kubernetes field error at `path`, relative to the schema being refined. */
export function report(ctx: Ctx, path: PropertyKey[], b: ErrorBody): void {
  ctx.addIssue({ code: 'custom', message: b.message, path, params: { [K8S_TYPE_PARAM]: b.type }, input: undefined });
}

/** Optional in Kubernetes' sense: absent or JSON null both mean "not set". */
export function opt<T extends z.ZodType>(schema: T) {
  return schema.nullish();
}

export const str = z.string();
export const int = z.number().int();
export const nonNegInt = z.number().int().min(0);
export const bool = z.boolean();
export const stringMap = z.record(z.string(), z.string());
export const stringList = z.array(z.string());

/** A string enum that fails with field.NotSupported and upstream's list of supported values. */
export function oneOf(values: readonly string[], listed: readonly string[] = values) {
  return z.string().superRefine((v, ctx) => {
    if (!values.includes(v)) report(ctx as Ctx, [], body.notSupported(v, listed));
  });
}

/** An integer in an inclusive range, failing with validation.InclusiveRangeError's wording. */
export function intInRange(lo: number, hi: number) {
  return z.number().int().superRefine((v, ctx) => {
    if (v < lo || v > hi) report(ctx as Ctx, [], body.invalid(v, `must be between ${lo} and ${hi}, inclusive`));
  });
}

/** A resource.Quantity ("100m", "128Mi", 2): it must parse, and resource amounts may not be negative. */
export const quantity = z.union([z.string(), z.number()]).superRefine((q, ctx) => {
  const r = tryParseQuantity(q);
  if (!r.ok) report(ctx as Ctx, [], body.invalid(q, r.error));
  else if (r.value < 0) report(ctx as Ctx, [], body.invalid(q, 'must be greater than or equal to 0'));
});

/** unversionedvalidation.ValidateLabels: keys are qualified names, values label values, errors at the map's path. */
export function checkLabels(labels: Record<string, string> | null | undefined, ctx: Ctx, path: PropertyKey[]): void {
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const msg of isQualifiedName(k)) report(ctx, path, body.invalid(k, msg));
    for (const msg of isLabelValue(v)) report(ctx, path, body.invalid(v, msg));
  }
}

/** apimachinery TotalAnnotationSizeLimitB. */
export const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024;

/** ValidateAnnotations: keys are (lower-cased) qualified names, and the whole map is at most 256 KiB. */
export function checkAnnotations(annotations: Record<string, string> | null | undefined, ctx: Ctx, path: PropertyKey[]): void {
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const msg of isQualifiedName(k.toLowerCase())) report(ctx, path, body.invalid(k, msg));
    size += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES) report(ctx, path, body.tooLong(TOTAL_ANNOTATION_SIZE_LIMIT_BYTES));
}

const objectMetaShape = {
  name: opt(str),
  generateName: opt(str),
  namespace: opt(str),
  uid: opt(str),
  resourceVersion: opt(str),
  generation: opt(int),
  creationTimestamp: opt(str),
  deletionTimestamp: opt(str),
  deletionGracePeriodSeconds: opt(int),
  labels: opt(stringMap),
  annotations: opt(stringMap),
  finalizers: opt(stringList),
  ownerReferences: opt(z.array(z.looseObject({ apiVersion: str, kind: str, name: str, uid: str, controller: opt(bool), blockOwnerDeletion: opt(bool) }))),
};

/**
 * ObjectMeta with ValidateObjectMeta's rules: a name (or generateName) checked by the kind's name
 * rule, a namespace exactly when the kind is namespaced, valid labels and annotations. A missing
 * metadata block is validated as an empty one, so it reports the missing name.
 */
export function objectMeta(nameRule: NameValidator, namespaced: boolean) {
  const meta = z.looseObject(objectMetaShape).superRefine((m, c) => {
    const ctx = c as Ctx;
    if (m.generateName) for (const msg of nameRule(m.generateName, true)) report(ctx, ['generateName'], body.invalid(m.generateName, msg));
    if (!m.name) report(ctx, ['name'], body.required('name or generateName is required'));
    else for (const msg of nameRule(m.name, false)) report(ctx, ['name'], body.invalid(m.name, msg));
    if (namespaced) {
      if (!m.namespace) report(ctx, ['namespace'], body.required());
      else for (const msg of isDNS1123Label(m.namespace)) report(ctx, ['namespace'], body.invalid(m.namespace, msg));
    } else if (m.namespace) {
      report(ctx, ['namespace'], body.forbidden('not allowed on this type'));
    }
    checkLabels(m.labels, ctx, ['labels']);
    checkAnnotations(m.annotations, ctx, ['annotations']);
  });
  return z.preprocess((v) => v ?? {}, meta);
}

/** A required object section: absent or null is validated as `{}`, so its own required fields are named. */
export function section<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => v ?? {}, schema);
}

/** The schema of a whole object: apiVersion, kind, metadata with the kind's name rule and scope, and `shape`. */
export function kindSchema<S extends z.core.$ZodLooseShape>(nameRule: NameValidator, namespaced: boolean, shape: S = {} as S) {
  return z.looseObject({ apiVersion: str, kind: str, metadata: objectMeta(nameRule, namespaced), ...shape });
}

const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** metav1.LabelSelector with unversionedvalidation.ValidateLabelSelector's rules. */
export const labelSelector = z
  .looseObject({
    matchLabels: opt(stringMap),
    matchExpressions: opt(z.array(z.looseObject({ key: str, operator: str, values: opt(stringList) }))),
  })
  .superRefine((sel, c) => {
    const ctx = c as Ctx;
    (sel.matchExpressions ?? []).forEach((e, i) => {
      const at = ['matchExpressions', i];
      const n = e.values?.length ?? 0;
      if (!SELECTOR_OPERATORS.includes(e.operator)) report(ctx, [...at, 'operator'], body.invalid(e.operator, 'not a valid selector operator'));
      else if ((e.operator === 'In' || e.operator === 'NotIn') && n === 0) report(ctx, [...at, 'values'], body.required("must be specified when `operator` is 'In' or 'NotIn'"));
      else if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && n > 0) report(ctx, [...at, 'values'], body.forbidden("may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      for (const msg of isQualifiedName(e.key)) report(ctx, [...at, 'key'], body.invalid(e.key, msg));
    });
    checkLabels(sel.matchLabels, ctx, ['matchLabels']);
  });

export type LabelSelectorInput = z.infer<typeof labelSelector>;

/** True when a selector has neither matchLabels nor matchExpressions (rejected for workloads). */
export function isEmptySelector(sel: LabelSelectorInput): boolean {
  return Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions?.length ?? 0) === 0;
}
