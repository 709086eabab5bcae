/**
 * The folder rules of src/, each with the reason it exists. `scripts/checks/checkImports.ts`
 * enforces them over every import (static, dynamic and re-export) of every non-test module.
 */
export interface ImportRule {
  /** The folder (under src/) whose modules the rule constrains. */
  from: string;
  /** Folders (under src/) or package names they must not import; a trailing `*` matches a prefix. */
  forbidden: string[];
  /** Imports of a forbidden folder that are allowed all the same (exact module paths under src/). */
  except?: string[];
  why: string;
}

export const IMPORT_RULES: ImportRule[] = [
  {
    from: 'core',
    forbidden: ['worker', 'store', 'ui', 'cli', 'testing', 'offline', 'main.tsx', 'trustedTypes.ts'],
    why: 'the core is the engine: it runs unchanged in the worker and in Node, so it may know nothing of who calls it',
  },
  {
    from: 'core',
    forbidden: ['node:*', 'react', 'react-dom', 'react-dom/*', 'zustand', 'd3', 'd3-*'],
    why: 'Node built-ins do not exist in the browser, and React, zustand and d3 belong to the page: a core that used them could not run on both sides',
  },
  {
    from: 'core/bytes',
    forbidden: [
      'core/tar',
      'core/compress',
      'core/image',
      'core/fs',
      'core/analysis',
      'core/content',
      'core/export',
    ],
    why: 'bytes are the bottom layer: every reader stands on ByteSource, so it can depend on none of them',
  },
  {
    from: 'core/tar',
    forbidden: ['core/compress', 'core/image', 'core/fs', 'core/analysis', 'core/content', 'core/export'],
    why: 'one tar decoder serves plain and compressed layers alike, so it knows bytes only, not where they came from',
  },
  {
    from: 'core/compress',
    forbidden: ['core/tar', 'core/image', 'core/fs', 'core/analysis', 'core/content', 'core/export'],
    why: 'decompression turns bytes into bytes; what the bytes mean is decided above it',
  },
  {
    from: 'core/image',
    forbidden: ['core/fs', 'core/analysis', 'core/content', 'core/export'],
    why: 'reading an archive gives images and indexed layers; file systems are built from that, never the other way',
  },
  {
    from: 'core/fs',
    forbidden: ['core/analysis', 'core/content', 'core/export'],
    why: 'the stacked file system is the model that analysis, contents and export query; it cannot depend on its clients',
  },
  {
    from: 'core/persist',
    forbidden: ['core/fs', 'core/analysis', 'core/content', 'core/export'],
    why: 'a saved index holds exactly what reading an archive produced; anything derived from it is rebuilt from it, so saving cannot depend on the layers above',
  },
  {
    from: 'core/secrets',
    forbidden: ['core/analysis', 'core/export'],
    why: 'the secret scan is a client of the file system and the content reader, beside analysis and export: it reads layers and answers, and needs neither of its neighbours',
  },
  {
    from: 'ui',
    forbidden: ['worker'],
    except: ['worker/protocol.ts', 'worker/client.ts', 'worker/compareProtocol.ts'],
    why: 'the worker owns the model: the page talks to it only through the typed protocol and the client, never by calling its code in the page thread',
  },
  {
    from: 'store',
    forbidden: ['ui', 'worker'],
    except: [
      'worker/protocol.ts',
      'worker/client.ts',
      'worker/compareProtocol.ts',
      'worker/compareClient.ts',
    ],
    why: 'the store holds state and asks the worker for it; it must not depend on the components that draw it, nor run worker code in the page',
  },
  {
    from: 'worker',
    forbidden: ['store', 'ui', 'cli', 'testing', 'offline'],
    why: 'the worker is the engine side of the protocol: it imports the core, never the page or the command line',
  },
  {
    from: 'cli',
    forbidden: ['worker', 'store', 'ui', 'offline', 'testing'],
    why: 'the command line runs the core in Node directly: no worker, no page',
  },
  {
    from: 'offline',
    forbidden: ['core', 'worker', 'store', 'ui', 'cli', 'testing'],
    why: 'the service worker serves the app’s own files and nothing else; it must stay small and never touch archives',
  },
  {
    from: 'storage',
    forbidden: ['worker', 'store', 'ui', 'cli', 'testing', 'offline'],
    why: 'the saved indexes live in the browser’s storage, written by the worker and listed or forgotten by the page: both use this folder, so it can depend on neither',
  },
  {
    from: '',
    forbidden: ['testing'],
    why: 'src/testing builds archives for tests and the sample generator; shipped code that used it would carry test builders into the app',
  },
  {
    from: 'core/compare',
    forbidden: ['core/analysis', 'core/export'],
    why: 'a comparison asks two stacked file systems, their images and their contents; it has no use for the analysis or export of either',
  },
  {
    from: 'core/fs',
    forbidden: ['core/compare'],
    why: 'comparing stands on the stacked file system, so the file system cannot depend on it',
  },
  {
    from: 'core/image',
    forbidden: ['core/compare'],
    why: 'reading an archive knows nothing of comparing two of them',
  },
  {
    from: 'core/content',
    forbidden: ['core/compare'],
    why: 'contents are served to a comparison (text diffs, hex), never the other way',
  },
  {
    from: 'core/bytes',
    forbidden: ['core/compare'],
    why: 'bytes are the bottom layer; comparing is near the top',
  },
  {
    from: 'core/tar',
    forbidden: ['core/compare'],
    why: 'the tar decoder knows bytes only, not what is compared',
  },
  {
    from: 'core/compress',
    forbidden: ['core/compare'],
    why: 'decompression turns bytes into bytes; what the bytes mean is decided above it',
  },
];

// Package databases and risky files read the stacked file system and file contents; nothing below
// them may know of them.
IMPORT_RULES.push(
  {
    from: 'core/packages',
    forbidden: ['core/analysis', 'core/content', 'core/export'],
    why: 'package readers stand on the file system and the content reader; the summaries and exports above them are their clients',
  },
  ...['core/bytes', 'core/tar', 'core/compress', 'core/image', 'core/fs'].map((from) => ({
    from,
    forbidden: ['core/packages'],
    why: 'package databases are read from the stacked file system, so the layers below it cannot depend on them',
  })),
);

// The layer pool's scheduling and its workers' loop, shared by the engine worker (Web Workers) and
// the command line (worker_threads), each of which gives it a way to start a worker.
IMPORT_RULES.push(
  {
    from: 'pool',
    forbidden: ['worker', 'store', 'ui', 'cli', 'testing', 'offline', 'storage'],
    why: 'the pool runs in both the browser engine and the command line, so it can know neither of them',
  },
  {
    from: 'pool',
    forbidden: ['node:*', 'react', 'react-dom', 'react-dom/*', 'zustand', 'd3', 'd3-*'],
    why: 'the same pool code runs in a browser worker and in Node: the platform is given to it (a spawn function), never imported',
  },
);
