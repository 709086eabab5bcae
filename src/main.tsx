// first: the Trusted Types policy must exist before anything starts a worker
import './trustedTypes';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { registerServiceWorker } from './offline/register';
import { installSync } from './store/hashSync';
import { App } from './ui/App';
import './ui/styles.css';

installSync();
registerServiceWorker();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
