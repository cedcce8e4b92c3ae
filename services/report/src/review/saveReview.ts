import { randomUUID } from 'node:crypto';
import { auditEvent, type AuditEvent } from '@lungflow/contracts';
import { COMPREHENSIVE_3D_SR, readPart10, reviewReport, reviewUids, segmentation, unpackBits, type ReviewResult } from '@lungflow/dicom';
import { LungFlowError } from '@lungflow/errors';
import type { EventProducer } from '@lungflow/kafka';
import type { Principal } from '../auth/Principal';
import type { ReportPacs } from '../pacs/ReportPacs';
import type { WorklistStore } from '../worklist/WorklistStore';
import { REVIEW_LABELS, SEVERITY_SCALES, type ReviewLabel, type SeverityScale } from './labels';
import type { ReviewGate } from './ReviewGate';
import type { ReviewStore, ReviewSummary } from './ReviewStore';

/** The body of `POST /api/v1/studies/{uid}/reviews`. */
export interface ReviewRequest {
  label: ReviewLabel;
  agreesWithModel: boolean;
  severity?: { scale: SeverityScale; value: number };
  /** The lesion outline on the analysed image's grid: 1 bit per pixel, row-major, LSB first (as DICOM SEG), base64. */
  lesionMask: { rows: number; columns: number; bits: string };
}

export interface SaveReviewDeps {
  pacs: ReportPacs;
  worklist: Pick<WorklistStore, 'get'>;
  reviews: ReviewStore;
  audit: (event: AuditEvent) => Promise<void>;
  /** The review gate, when on: the save releases (agree) or drops (disagree) the model's held SR and SC. */
  gate?: Pick<ReviewGate, 'decide'>;
  organization: string;
  softwareVersion: string;
  now?: () => Date;
}

export class ReviewRefused extends LungFlowError {
  constructor(message: string, readonly status: 400 | 404) {
    super('REVIEW_INVALID', message);
  }
}

/**
 * One save: the source's header from the PACS, the next revision of this reviewer, SEG + SR written and STOWed in
 * one request, the summary kept for the worklist and metrics, and one audit event. Nothing is overwritten: each save
 * is a new revision with new UIDs, its SR naming the previous revision as predecessor.
 */
export async function saveReview(deps: SaveReviewDeps, studyInstanceUid: string, request: ReviewRequest, principal: Principal, address?: string): Promise<ReviewSummary> {
  const item = await deps.worklist.get(studyInstanceUid);
  if (!item) throw new ReviewRefused('this study is not on the worklist', 404);
  const { rows, columns, bits } = request.lesionMask;
  const packed = new Uint8Array(Buffer.from(bits, 'base64'));
  if (packed.length < Math.ceil((rows * columns) / 8)) throw new ReviewRefused(`lesion mask has ${packed.length} bytes, fewer than ${rows}×${columns} pixels need`, 400);
  const scale = request.severity ? SEVERITY_SCALES[request.severity.scale] : undefined;
  if (request.severity && scale && !(request.severity.value >= 0 && request.severity.value <= scale.max)) {
    throw new ReviewRefused(`${scale.code.meaning} must be between 0 and ${scale.max}`, 400);
  }
  const source = readPart10(await deps.pacs.retrieveInstance(studyInstanceUid, item.source.seriesInstanceUid, item.source.sopInstanceUid)).dataset;
  if (source.Rows !== rows || source.Columns !== columns) throw new ReviewRefused(`lesion mask is ${rows}×${columns}, the image ${String(source.Rows)}×${String(source.Columns)}`, 400);

  const revision = await deps.reviews.nextRevision(studyInstanceUid, principal.username);
  const previous = revision > 1 ? reviewUids(studyInstanceUid, principal.username, revision - 1, 'review-sr') : undefined;
  const review: ReviewResult = {
    source,
    // The frame the review page showed (the drawn one): a multi-frame source's SEG and SR name it.
    frame: item.source.frame,
    reviewer: { username: principal.username, displayName: principal.displayName, organization: deps.organization },
    revision,
    label: REVIEW_LABELS[request.label].code,
    agreesWithModel: request.agreesWithModel,
    modelSr: { sopClassUid: item.sr.sopClassUid, sopInstanceUid: item.sr.sopInstanceUid, seriesInstanceUid: item.sr.seriesInstanceUid },
    ...(previous ? { previousRevision: { sopClassUid: COMPREHENSIVE_3D_SR, ...previous } } : {}),
    ...(request.severity && scale ? { severity: [{ name: scale.code, value: request.severity.value }] } : {}),
    lesionMask: { rows, columns, data: unpackBits(packed, rows, columns) },
    softwareVersion: deps.softwareVersion,
    now: deps.now?.() ?? new Date(),
  };
  const seg = segmentation(review);
  const sr = reviewReport(review, seg);
  await deps.pacs.storeInstances([sr.part10, seg.part10], studyInstanceUid);
  const summary: ReviewSummary = {
    studyInstanceUid,
    username: principal.username,
    revision,
    label: request.label,
    agreesWithModel: request.agreesWithModel,
    modelClass: item.decision.className,
    modelPositive: item.decision.positive,
    savedAt: (review.now as Date).toISOString(),
    sr: { seriesInstanceUid: sr.seriesInstanceUid, sopInstanceUid: sr.sopInstanceUid },
    seg: { seriesInstanceUid: seg.seriesInstanceUid, sopInstanceUid: seg.sopInstanceUid },
  };
  await deps.gate?.decide(studyInstanceUid, request.agreesWithModel);
  await deps.reviews.saved(summary);
  await deps.audit(auditRecord('review.saved', principal, studyInstanceUid, [sr.sopInstanceUid, seg.sopInstanceUid], address, revision));
  return summary;
}

/** An audit event: login name, method, roles and UIDs; never patient identity. */
export function auditRecord(action: AuditEvent['action'], principal: Principal, studyInstanceUid: string, sopInstanceUids: string[], address?: string, revision?: number): AuditEvent {
  return {
    schemaVersion: 1,
    eventId: randomUUID(),
    at: new Date().toISOString(),
    action,
    actor: { username: principal.username, method: principal.method, roles: principal.roles, ...(address ? { address: address.slice(0, 64) } : {}) },
    studyInstanceUid,
    sopInstanceUids,
    ...(revision ? { revision } : {}),
    outcome: 'success',
  };
}

/** Sends audit events on lungflow.audit.v1. */
export function auditSender(producer: EventProducer): (event: AuditEvent) => Promise<void> {
  return async (event) => void (await producer.send(auditEvent, { studyInstanceUid: event.studyInstanceUid }, event));
}
