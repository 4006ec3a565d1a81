import { Request } from "./http";

export interface Handler {
	handle(req: Request): Promise<string>;
}

export type Id = string | number;

export enum Level { Low, High }

namespace Internal {
	export const limit = 3;
}

export abstract class Base {
	abstract run(): void;
}

export class Service extends Base implements Handler {
	private count = 0;

	async handle(req: Request): Promise<string> {
		this.count++;
		return format(req.url);
	}

	run(): void {}
}

export function format(s: string): string {
	return s.trim();
}

declare function external(x: number): void;
