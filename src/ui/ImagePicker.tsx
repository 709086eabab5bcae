/**
 * The header's Image picker. A multi-platform archive holds one image per platform under the same
 * tag, so each option names its platform, and the platforms of one tag are grouped under it.
 * Options stay in the archive's order (an option's position is its image's index).
 */
import { selectImage, useExplorer } from '../store';
import type { ImageSummary } from '../worker/protocol';
import { plural, shortDigest, visible } from './format';

export function tagOf(image: ImageSummary): string {
  return visible(image.tags[0]) ?? `untagged ${shortDigest(image.id)}`;
}

/** "linux/arm/v7"; null when the config does not say. */
export function platformOf(image: ImageSummary): string | null {
  return image.platform && image.platform !== 'unknown/unknown' ? visible(image.platform) : null;
}

/** Whether the images are of more than one platform (only then is the platform worth naming). */
export function manyPlatforms(images: readonly ImageSummary[]): boolean {
  return new Set(images.map((i) => i.platform)).size > 1;
}

export function imageLabel(image: ImageSummary, withPlatform = true): string {
  const more = image.tags.length > 1 ? ` +${image.tags.length - 1}` : '';
  const platform = withPlatform ? platformOf(image) : null;
  return `${tagOf(image)}${more}${platform ? ` · ${platform}` : ''} · ${plural(image.layers.length, 'layer', 'layers')}`;
}

/** The tag and the platform: how search results name an image. */
export function shortImageLabel(image: ImageSummary, withPlatform = true): string {
  const platform = withPlatform ? platformOf(image) : null;
  return `${tagOf(image)}${platform ? ` · ${platform}` : ''}`;
}

export interface ImageGroup {
  /** The shared tag, or null for an image alone under its tag. */
  tag: string | null;
  images: { index: number; image: ImageSummary }[];
}

/** Consecutive images of the same tag, as one group each; images alone under their tag stand alone. */
export function groupImages(images: readonly ImageSummary[]): ImageGroup[] {
  const groups: ImageGroup[] = [];
  images.forEach((image, index) => {
    const tag = image.tags.length ? tagOf(image) : null;
    const last = groups[groups.length - 1];
    const lastTag = last?.images[0]
      ? last.images[0].image.tags.length
        ? tagOf(last.images[0].image)
        : null
      : null;
    if (last && tag !== null && lastTag === tag) last.images.push({ index, image });
    else groups.push({ tag, images: [{ index, image }] });
  });
  return groups.map((g) => (g.images.length > 1 ? g : { tag: null, images: g.images }));
}

export function ImagePicker() {
  const images = useExplorer((s) => s.archive?.images);
  const imageIndex = useExplorer((s) => s.selection.image);
  if (!images || images.length < 2) return null;
  const platforms = manyPlatforms(images);
  const option = ({ index, image }: { index: number; image: ImageSummary }) => (
    <option key={image.id + String(index)} value={index}>
      {imageLabel(image, platforms)}
    </option>
  );
  return (
    <label className="image-picker">
      <span className="muted">Image</span>
      <select aria-label="Image" value={imageIndex} onChange={(e) => selectImage(Number(e.target.value))}>
        {groupImages(images).map((group) =>
          group.tag === null ? (
            group.images.map(option)
          ) : (
            <optgroup
              key={`${group.tag}\n${group.images[0].index}`}
              label={`${group.tag} · ${plural(group.images.length, 'platform', 'platforms')}`}
            >
              {group.images.map(option)}
            </optgroup>
          ),
        )}
      </select>
    </label>
  );
}
