// The slice of the xk6-mqtt extension (github.com/grafana/xk6-mqtt, built into k6 with
// `xk6 build --with github.com/grafana/xk6-mqtt`) that mqtt-devices.js uses. k6 exposes a Go
// module's named exports as its default export too, hence `import mqtt from 'k6/x/mqtt'`.
declare module 'k6/x/mqtt' {
  export interface ClientOptions {
    /** Client identifier; the extension's docs spell it both ways across versions. */
    client_id?: string;
    clientId?: string;
    username?: string;
    password?: string;
    tags?: Record<string, string>;
  }
  export interface ConnectOptions { keepalive?: number; connect_timeout?: number; clean_session?: boolean; tags?: Record<string, string> }
  export interface PublishOptions { qos?: 0 | 1 | 2; retain?: boolean; tags?: Record<string, string> }
  export interface MQTTError { name: 'MQTTError'; message: string; method: string }
  export class Client {
    readonly connected: boolean;
    constructor(options?: ClientOptions);
    connect(url: string, options?: ConnectOptions): void;
    end(): void;
    endAsync(): Promise<void>;
    publish(topic: string, payload: string | ArrayBuffer, options?: PublishOptions): void;
    /** Resolves when the broker acknowledges (PUBACK for QoS 1). */
    publishAsync(topic: string, payload: string | ArrayBuffer, options?: PublishOptions): Promise<void>;
    on(event: 'connect' | 'end' | 'reconnect', listener: () => void): void;
    on(event: 'message', listener: (topic: string, payload: ArrayBuffer) => void): void;
    on(event: 'error', listener: (error: MQTTError) => void): void;
  }
  const mqtt: { Client: typeof Client };
  export default mqtt;
}
