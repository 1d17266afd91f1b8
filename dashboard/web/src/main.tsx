import { render } from 'preact';
import { takeTokenFromLocation } from './auth.ts';
import { App } from './components/App.tsx';
import './styles.css';

takeTokenFromLocation();
render(<App />, document.getElementById('app')!);
