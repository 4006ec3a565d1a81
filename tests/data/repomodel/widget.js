import { render } from './render.js';
const path = require('path');

export const VERSION = '1.0';

export class Widget {
	constructor(el) {
		this.el = el;
	}

	draw() {
		return render(this.el);
	}
}

function makeWidget(el) {
	return new Widget(el);
}

const helper = (x) => x * 2;

module.exports.util = function (a) {
	return path.join(a, 'x');
};

export default function App() {
	return <Widget name="app" />;
}
