import React from "react";

interface Props {
	title: string;
}

export function Header(props: Props) {
	return <Title text={props.title} />;
}

const Title = ({ text }: { text: string }) => <h1>{text}</h1>;
