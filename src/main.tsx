import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { installSync } from './store/session';
import { App } from './ui/App';
import './ui/styles.css';

installSync();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
