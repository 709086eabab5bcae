// first: the Trusted Types policy must exist before anything starts a worker
import './trustedTypes';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { registerServiceWorker } from './offline/register';
import { installSync } from './store/session';
import { App } from './ui/App';
import { FONT, TAG_FONT } from './ui/LayerTree';
import { warmUpFonts } from './ui/warmUp';
import './ui/styles.css';

installSync();
registerServiceWorker();
warmUpFonts([FONT, TAG_FONT]);

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
