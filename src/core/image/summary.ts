import type { ImageArchive } from './model';

export interface LayerCounts {
  added: number;
  modified: number;
  removed: number;
}

export interface AnalysisSummary {
  sizeBytes: number;
  userSizeBytes: number;
  wastedBytes: number;
  wastedUserPercent: number;
  efficiency: number;
  inefficientFiles: { path: string; count: number; sizeBytes: number }[];
}

/** Filled in by the filesystem model and the analysis, which the image layer does not depend on. */
export interface ImageFacts {
  counts(imageIndex: number, layerIndex: number): LayerCounts;
  analysis(imageIndex: number): AnalysisSummary;
}

/** The `inspect --json` document, exactly as ../shared/DESIGN.md promises it. */
export function inspectDocument(archive: ImageArchive, facts: ImageFacts) {
  return {
    format: archive.format,
    images: archive.images.map((image, imageIndex) => ({
      tags: image.tags,
      id: image.id,
      manifestDigest: image.manifestDigest,
      platform: image.platform,
      created: image.created,
      config: image.config,
      layers: image.layers.map((layer) => {
        const blob = archive.blobs.get(layer.blob);
        return {
          index: layer.index,
          diffId: layer.diffId,
          digest: blob?.digest ?? null,
          compression: blob?.compression ?? 'none',
          createdBy: layer.createdBy,
          sizeBytes: blob?.entries?.regularFileBytes() ?? 0,
          entries: blob?.entries?.count ?? 0,
          ...facts.counts(imageIndex, layer.index),
          ...(blob?.error ? { error: blob.error } : {}),
        };
      }),
      history: image.history.map((h) => ({
        createdBy: h.createdBy,
        emptyLayer: h.emptyLayer,
        layerIndex: h.layerIndex,
      })),
      analysis: facts.analysis(imageIndex),
    })),
    layerTree: {
      nodes: archive.layerTree.map((n) => ({
        chainId: n.chainId,
        diffId: n.diffId,
        parent: n.parent,
        tags: n.tags,
      })),
    },
    warnings: archive.warnings,
    errors: archive.errors,
  };
}

export type InspectDocument = ReturnType<typeof inspectDocument>;
